/**
 * Optimisers for smooth convex problems: L-BFGS with a backtracking (Armijo) line search,
 * used by the logistic probes. Deterministic: full batch, no randomness.
 */

/** L-BFGS memory: pairs of (step, gradient change) kept (5-20 is the usual range). */
const LBFGS_MEMORY = 10;
/** Armijo sufficient-decrease constant (Nocedal & Wright's standard 1e-4). */
const ARMIJO_C = 1e-4;
/** Step halvings tried per line search: 2^-50 ~ 1e-15, below which no step makes progress. */
const MAX_STEP_HALVINGS = 50;
/** Relative loss change below which the fit has stalled (near double precision). */
const LOSS_STALL = 1e-12;

/**
 * Minimise a smooth convex function by L-BFGS (two-loop recursion) with a backtracking
 * Armijo line search. Stops when max |grad| < tol, when the loss stops changing (relative
 * LOSS_STALL), or after maxIter iterations.
 */
export function lbfgs(
  f: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  maxIter: number,
  tol: number,
): { x: Float64Array; iterations: number; converged: boolean } {
  const P = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(P);
  let fx = f(x, g);
  const S: Float64Array[] = [];
  const Yv: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(P);
  const alphaHist = new Float64Array(LBFGS_MEMORY);
  const maxAbs = (v: Float64Array) => v.reduce((m, t) => Math.max(m, Math.abs(t)), 0);
  let it = 0;
  for (; it < maxIter; it++) {
    if (maxAbs(g) < tol) return { x, iterations: it, converged: true };
    // Two-loop recursion: dir = -H g.
    dir.set(g);
    for (let h = S.length - 1; h >= 0; h--) {
      let a = 0;
      for (let p = 0; p < P; p++) a += S[h]![p]! * dir[p]!;
      a *= rho[h]!;
      alphaHist[h] = a;
      for (let p = 0; p < P; p++) dir[p] -= a * Yv[h]![p]!;
    }
    if (S.length > 0) {
      const last = S.length - 1;
      let sy = 0;
      let yy = 0;
      for (let p = 0; p < P; p++) {
        sy += S[last]![p]! * Yv[last]![p]!;
        yy += Yv[last]![p]! * Yv[last]![p]!;
      }
      const gamma = sy / yy;
      for (let p = 0; p < P; p++) dir[p] *= gamma;
    }
    for (let h = 0; h < S.length; h++) {
      let b = 0;
      for (let p = 0; p < P; p++) b += Yv[h]![p]! * dir[p]!;
      b *= rho[h]!;
      for (let p = 0; p < P; p++) dir[p] += S[h]![p]! * (alphaHist[h]! - b);
    }
    for (let p = 0; p < P; p++) dir[p] = -dir[p]!;
    let slope = 0;
    for (let p = 0; p < P; p++) slope += dir[p]! * g[p]!;
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = 0;
      Yv.length = 0;
      rho.length = 0;
      for (let p = 0; p < P; p++) dir[p] = -g[p]!;
      slope = 0;
      for (let p = 0; p < P; p++) slope -= g[p]! * g[p]!;
    }
    let step = S.length === 0 ? Math.min(1, 1 / Math.max(maxAbs(g), 1e-12)) : 1;
    const xNew = new Float64Array(P);
    const gNew = new Float64Array(P);
    let fNew = Infinity;
    for (let ls = 0; ls < MAX_STEP_HALVINGS; ls++) {
      for (let p = 0; p < P; p++) xNew[p] = x[p]! + step * dir[p]!;
      fNew = f(xNew, gNew);
      if (fNew <= fx + ARMIJO_C * step * slope) break;
      step /= 2;
    }
    if (!(fNew <= fx)) return { x, iterations: it, converged: false };
    const s = new Float64Array(P);
    const yv = new Float64Array(P);
    let sy = 0;
    for (let p = 0; p < P; p++) {
      s[p] = xNew[p]! - x[p]!;
      yv[p] = gNew[p]! - g[p]!;
      sy += s[p]! * yv[p]!;
    }
    // Keep only curvature pairs with s.y > 0 (holds for convex losses up to rounding).
    if (sy > 1e-12) {
      S.push(s);
      Yv.push(yv);
      rho.push(1 / sy);
      if (S.length > LBFGS_MEMORY) {
        S.shift();
        Yv.shift();
        rho.shift();
      }
    }
    const rel = Math.abs(fx - fNew) / Math.max(1, Math.abs(fx));
    x = xNew;
    g = gNew;
    fx = fNew;
    // Stalled at double precision: call it converged when the gradient is nearly at tolerance.
    if (rel < LOSS_STALL) return { x, iterations: it + 1, converged: maxAbs(g) < tol * 100 };
  }
  return { x, iterations: it, converged: maxAbs(g) < tol };
}
