/**
 * Compute backend choice for TensorFlow.js.
 *
 * Preference: the native `tensorflow` backend from @tensorflow/tfjs-node when that optional
 * package is installed and loads; else `wasm` (SIMD, single-threaded in Node); else the
 * pure-JS `cpu`. CAE_BACKEND (or an explicit argument) forces one and fails loudly if it
 * cannot load. The choice is made once per process and recorded in every manifest.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { BACKENDS, type BackendName } from "../config";

let chosen: BackendName | null = null;

function tryRequireNode(): boolean {
  try {
    // Optional dependency: absent when its native library could not be installed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("@tensorflow/tfjs-node");
    return tf.findBackendFactory("tensorflow") !== null;
  } catch {
    return false;
  }
}

function tryRegisterWasm(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("@tensorflow/tfjs-backend-wasm");
    return tf.findBackendFactory("wasm") !== null;
  } catch {
    return false;
  }
}

async function activate(name: BackendName): Promise<boolean> {
  const available = name === "tensorflow" ? tryRequireNode() : name === "wasm" ? tryRegisterWasm() : true;
  if (!available) return false;
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/**
 * Select and initialise the backend. With `forced` (or CAE_BACKEND) only that one is tried.
 * @returns the backend in use.
 */
export async function initBackend(forced: BackendName | null = null): Promise<BackendName> {
  const env = process.env.CAE_BACKEND;
  const want = forced ?? (env ? (env as BackendName) : null);
  if (want !== null && !(BACKENDS as readonly string[]).includes(want)) {
    throw new Error(`Unknown backend "${want}". Allowed: ${BACKENDS.join(", ")}.`);
  }
  if (chosen !== null && (want === null || want === chosen)) return chosen;
  const order: BackendName[] = want ? [want] : [...BACKENDS];
  for (const name of order) {
    if (await activate(name)) {
      chosen = name;
      return name;
    }
  }
  const hint =
    want === "tensorflow"
      ? "@tensorflow/tfjs-node is not installed or its native library failed to load; unset CAE_BACKEND to fall back to wasm."
      : "reinstall the npm packages (npm ci).";
  throw new Error(`Backend "${want ?? order.join("|")}" could not be initialised: ${hint}`);
}

/** The backend chosen by initBackend, or null before it ran. */
export function currentBackend(): BackendName | null {
  return chosen;
}

/** tfjs memory counters, for leak checks and benchmarks. */
export function tensorCount(): number {
  return tf.memory().numTensors;
}
