/**
 * The one registry of models: for every saved model name its family (kind), its display
 * label, the notebook that trains it and writes its latents and errors, and what it scores.
 * Every table, chart, finding and "run this notebook first" error reads names from here.
 * It sits at the bottom (next to the artifact store, which names producers) so that every
 * layer can use it.
 */

/** The model families. "pca" is the linear reference that every network must beat. */
export type ModelKind = "ae" | "vae" | "dae" | "conv1d" | "pca";

/** All model kinds, for validation and iteration. */
export const MODEL_KINDS: readonly ModelKind[] = ["ae", "vae", "dae", "conv1d", "pca"];

/** One saved model. */
export interface ModelEntry {
  /** Saved name (folder under models/, suffix of latents-<name> and errors-<name>). */
  name: string;
  kind: ModelKind;
  /** Display label in tables, charts and findings. */
  label: string;
  /** Notebook stem that trains it (PCA is fitted next to the model it is the reference of). */
  notebook: string;
  /** What one score row is: a token-day, or a window keyed by its last day. */
  unit: "token-day" | "window";
  /** Whether its notebook writes the latents-<name> and errors-<name> tables (else only the saved model). */
  tables: boolean;
}

/** Every saved model, in display order: the four autoencoders, then the PCA references. */
export const MODEL_REGISTRY: readonly ModelEntry[] = [
  { name: "ae", kind: "ae", label: "AE", notebook: "02-train-ae", unit: "token-day", tables: true },
  { name: "vae", kind: "vae", label: "VAE", notebook: "03-train-vae", unit: "token-day", tables: true },
  { name: "dae", kind: "dae", label: "DAE", notebook: "04-train-dae", unit: "token-day", tables: true },
  { name: "conv1d", kind: "conv1d", label: "Conv1D AE", notebook: "05-train-conv1d-ae", unit: "window", tables: true },
  { name: "pca", kind: "pca", label: "PCA", notebook: "02-train-ae", unit: "token-day", tables: true },
  {
    name: "pca-windows",
    kind: "pca",
    label: "PCA (windows)",
    notebook: "05-train-conv1d-ae",
    unit: "window",
    tables: false,
  },
];

/** Labels of names that are compared with the models but are not models. */
const REFERENCE_LABELS: Readonly<Record<string, string>> = { features: "input features" };

/** The registry entry of a saved model name, or undefined. */
export function modelEntry(name: string): ModelEntry | undefined {
  return MODEL_REGISTRY.find((m) => m.name === name);
}

/** Display label of a model or reference name ("conv1d" -> "Conv1D AE"; unknown names as given). */
export function modelLabel(name: string): string {
  return modelEntry(name)?.label ?? REFERENCE_LABELS[name] ?? name;
}

/** The notebook that trains a saved model (undefined for an unknown name). */
export function modelNotebook(name: string): string | undefined {
  return modelEntry(name)?.notebook;
}

/** Model name -> notebook that writes its latents and errors tables, for artifact "run this first" errors. */
export const MODEL_PRODUCERS: Readonly<Record<string, string>> = Object.fromEntries(
  MODEL_REGISTRY.filter((m) => m.tables).map((m) => [m.name, m.notebook]),
);
