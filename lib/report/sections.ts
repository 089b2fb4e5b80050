/**
 * Report sections: what each notebook contributes to report/index.html.
 *
 * A notebook does not write HTML for the report. It records a section as a JSON artifact
 * (`report-<notebook>.json` under data/processed): its headline numbers, paragraphs of
 * findings written from those numbers, the tables and the names of the figures it saved.
 * The report builder assembles the sections, so every number in the report comes from a
 * run's artifacts and none is typed by hand.
 */
import type { ArtifactStore } from "../runtime/artifacts";
import type { Cell } from "../viz/display";

/** A table in a report section (cells are escaped when rendered). */
export interface SectionTable {
  caption: string;
  rows: Record<string, Cell>[];
}

/** A figure saved under figures/ (by showChart's save option) referenced by its stem. */
export interface SectionFigure {
  /** Stem under figures/: <name>.svg, <name>.png, <name>.vl.json. */
  name: string;
  caption: string;
}

/** One stage's contribution to the report. */
export interface ReportSection {
  /** Notebook stem, e.g. "02-train-ae". */
  notebook: string;
  /** Order in the report (the notebook number). */
  order: number;
  title: string;
  /** Key figures as label -> value (numbers are formatted by the builder). */
  headline: Record<string, Cell>;
  /** Findings as markdown-light paragraphs (plain text; `**bold**` and `code` allowed). */
  findings: string[];
  tables: SectionTable[];
  figures: SectionFigure[];
}

/** Builds a section while a notebook runs, then saves it. */
export class SectionBuilder {
  private readonly section: ReportSection;

  constructor(notebook: string, title: string) {
    this.section = {
      notebook,
      order: Number(notebook.slice(0, 2)) || 0,
      title,
      headline: {},
      findings: [],
      tables: [],
      figures: [],
    };
  }

  /** Add headline numbers. */
  headline(values: Record<string, Cell>): this {
    Object.assign(this.section.headline, values);
    return this;
  }

  /** Add a finding (a paragraph built from measured numbers). */
  finding(text: string): this {
    this.section.findings.push(text);
    return this;
  }

  /** Add a table. */
  table(caption: string, rows: Record<string, Cell>[]): this {
    this.section.tables.push({ caption, rows });
    return this;
  }

  /** Reference a saved figure. */
  figure(name: string, caption: string): this {
    this.section.figures.push({ name, caption });
    return this;
  }

  /** The section so far. */
  get value(): ReportSection {
    return this.section;
  }

  /** Save as the artifact `report-<notebook>`. */
  save(store: ArtifactStore): string {
    return store.writeJson(`report-${this.section.notebook}`, this.section);
  }
}
