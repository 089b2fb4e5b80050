/**
 * Dense numeric containers shared by every layer: row-major matrices and 3-D window stacks.
 * Float32 is what TensorFlow.js trains on; prices stay Float64 in the Panel.
 */

/** A row-major matrix `[rows, cols]`. */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** A stack of per-token windows `[n, length, features]`, row-major. */
export interface Windows {
  readonly data: Float32Array;
  readonly n: number;
  readonly length: number;
  readonly features: number;
}

/** Create a matrix, checking that the buffer matches the shape. */
export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) {
    throw new Error(`Matrix buffer has ${data.length} values but shape [${rows}, ${cols}] needs ${rows * cols}.`);
  }
  return { data, rows, cols };
}

/** A zero matrix `[rows, cols]`. */
export function zeros(rows: number, cols: number): Matrix {
  return { data: new Float32Array(rows * cols), rows, cols };
}

/** Build a matrix from an array of equal-length rows. */
export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0]!.length;
  const data = new Float32Array(r * c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new Error(`Row ${i} has ${row.length} values, expected ${c}.`);
    for (let j = 0; j < c; j++) data[i * c + j] = row[j]!;
  });
  return { data, rows: r, cols: c };
}

/** Row i as a subarray view (no copy). */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The rows at the given indices, copied into a new matrix. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

/** Column j copied out as Float64. */
export function column(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j]!;
  return out;
}

/** Windows at the given indices, copied. */
export function takeWindows(w: Windows, indices: ArrayLike<number>): Windows {
  const size = w.length * w.features;
  const out = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    out.set(w.data.subarray(i * size, (i + 1) * size), k * size);
  }
  return { data: out, n: indices.length, length: w.length, features: w.features };
}

/** Flatten windows to a matrix `[n, length * features]` (shares the buffer). */
export function flattenWindows(w: Windows): Matrix {
  return { data: w.data, rows: w.n, cols: w.length * w.features };
}
