/**
 * The one link to the notebook kernel: tslab keeps the current cell's display writer in its
 * jupyter module. Outside a kernel (scripts, tests) there is none, and callers fall back to
 * plain output.
 */

/** tslab's display writer: sends display_data, or update_display_data when `update`. */
export type WriteDisplay = (
  data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** The current cell's display writer, or null outside a Jupyter kernel. */
export function displayWriter(): WriteDisplay | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("tslab/dist/jupyter").lastWriteDisplayData as WriteDisplay | null) ?? null;
  } catch {
    return null;
  }
}
