/** Types of scripts/notebook-format.cjs (plain JavaScript so git can run it as a fast clean filter). */

/** Serialise a notebook as nbformat does (sorted keys, one-space indent, final newline). */
export declare function stringifyNotebook(nb: unknown): string;
/** The committed form of a notebook: no outputs, execution counts or UI state; ids by position. */
export declare function cleanNotebook<T>(nb: T): T;
/** The committed form of a notebook's text; non-notebook text comes back unchanged. */
export declare function cleanNotebookText(text: string): string;
/** The id of the cell at `index` in a generated notebook (c000, c001, ...). */
export declare function cellId(index: number): string;
/** Source as nbformat stores it: lines, each but the last ending in "\n". */
export declare function sourceLines(source: unknown): string[];
