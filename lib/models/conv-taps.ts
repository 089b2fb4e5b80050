/**
 * The transposed im2col matrix of a stride-1 "same" 1-D convolution as one kernel of the wasm
 * backend, written in TypeScript over the backend's heap. For the channels-first input
 * xT `[Cin, B, L]`, kernel size K and left padding p, `convTapsT(xT)` is `[K * Cin, B * L]`:
 *
 *   taps[k * Cin + c, b * L + t] = xT[c, b, t + k - p]   (0 where that step is padding)
 *
 * so that the convolution's kernel gradient is one plain matMul, `taps @ dz` with dz
 * `[B * L, Cout]`, already in the kernel layout `[K, Cin, Cout]`.
 *
 * Why a kernel of its own: row (k, c) is row c of xT shifted by k - p steps, with the steps
 * that cross a window's edge zeroed. That is one block copy inside the wasm heap (copyWithin,
 * a memmove) plus B zeros per row, where tfjs ops would need a pad and K slices and a concat
 * (JavaScript copies of whole tensors on wasm) or a gather (element-wise index arithmetic,
 * measured 36 ms for one decoder layer at batch 256). Registered for the wasm backend only;
 * elsewhere `convTapsT` returns null and the caller uses its tfjs-op path.
 */
import * as tf from "@tensorflow/tfjs-core";
import { hasKernel, heapOffset, registerHeapKernel } from "../runtime/wasm-heap";

/** Name of the registered kernel (prefixed so that it never clashes with a tfjs kernel). */
export const CONV_TAPS_KERNEL = "CaeConvTapsT";

/** Attributes of the taps kernel. */
export interface ConvTapsAttrs {
  kernelSize: number;
  padLeft: number;
}

/**
 * Write the taps of xT (float offset `xAt` of `heap`, `[Cin, B, L]`) at float offset `outAt`
 * (`[K * Cin, B * L]`), see the module header.
 */
export function fillConvTaps(
  heap: Float32Array,
  xAt: number,
  outAt: number,
  cin: number,
  batch: number,
  length: number,
  a: ConvTapsAttrs,
): void {
  const n = batch * length;
  for (let k = 0; k < a.kernelSize; k++) {
    const d = k - a.padLeft; // taps[.., t] = x[t + d]
    for (let c = 0; c < cin; c++) {
      const out = outAt + (k * cin + c) * n;
      const src = xAt + c * n;
      if (d >= 0) heap.copyWithin(out, src + d, src + n);
      else heap.copyWithin(out - d, src, src + n + d);
      // Steps whose tap falls outside their own window: t + d < 0 or t + d >= L.
      const from = d >= 0 ? Math.max(0, length - d) : 0;
      const to = d >= 0 ? length : Math.min(length, -d);
      // Plain stores: a fill() call per window costs more than the one or two zeros it writes.
      for (let w = out; w < out + n; w += length) for (let i = w + from; i < w + to; i++) heap[i] = 0;
    }
  }
}

// Registered for the wasm backend when this module loads (the registry is by name, so the
// backend need not be initialised yet).
registerHeapKernel(CONV_TAPS_KERNEL, (inputs, attrs, wasm) => {
  const x = inputs.x!;
  const a = attrs as unknown as ConvTapsAttrs;
  const [cin, batch, length] = x.shape as [number, number, number];
  const out = wasm.makeOutput([a.kernelSize * cin, batch * length], "float32");
  // The heap view after the allocation: a growing heap replaces it.
  fillConvTaps(wasm.wasm.HEAPF32, heapOffset(wasm, x), heapOffset(wasm, out), cin, batch, length, a);
  return out;
});

/**
 * The transposed im2col matrix `[K * Cin, B * L]` of a stride-1 "same" convolution over the
 * channels-first input xT `[Cin, B, L]` (see the module header), or null when the active
 * backend has no such kernel (only wasm has). Not differentiable: meant for gradients.
 */
export function convTapsT(xT: tf.Tensor3D, kernelSize: number, padLeft: number): tf.Tensor2D | null {
  if (xT.dtype !== "float32" || !hasKernel(CONV_TAPS_KERNEL)) return null;
  const attrs: ConvTapsAttrs = { kernelSize, padLeft };
  return tf.engine().runKernel(CONV_TAPS_KERNEL, { x: xT }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
