/**
 * Kernels of the wasm backend written in TypeScript over its heap: the shared plumbing.
 *
 * tfjs-backend-wasm keeps every tensor in the wasm module's linear memory; a kernel registered
 * for "wasm" receives the backend and can read and write that memory as a Float32Array. For
 * the small tensors of these networks (a batch is a few thousand floats) one pass in JavaScript
 * costs microseconds, while each tfjs op costs tens of microseconds of dispatch and tape
 * bookkeeping: fusing several ops into one such kernel is where the training step's time goes.
 * Used by the training step (Adam), the losses and the convolution's im2col.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The part of tfjs-backend-wasm's BackendWasm a heap kernel uses. */
export interface WasmHeapBackend {
  wasm: { HEAPF32: Float32Array };
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Float offset of a tensor's data in the heap. */
export function heapOffset(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset / 4;
}

/** Number of values of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Register `kernelFunc` as a wasm kernel named `name` (once: the registry is global). The
 * function allocates its outputs with `backend.makeOutput` first and only then takes
 * `backend.wasm.HEAPF32`: an allocation can grow the heap, which replaces the view.
 */
export function registerHeapKernel(
  name: string,
  kernelFunc: (
    inputs: Record<string, tf.TensorInfo>,
    attrs: Record<string, unknown>,
    backend: WasmHeapBackend,
  ) => tf.TensorInfo | tf.TensorInfo[],
): void {
  if (tf.getKernel(name, "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: name,
    backendName: "wasm",
    kernelFunc: ({ inputs, attrs, backend }) =>
      kernelFunc(
        inputs as Record<string, tf.TensorInfo>,
        attrs as unknown as Record<string, unknown>,
        backend as unknown as WasmHeapBackend,
      ),
  });
}

/** True when the active backend has the kernel `name` (heap kernels exist on wasm only). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
