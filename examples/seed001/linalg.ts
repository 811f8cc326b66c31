/**
 * A small stand-in for Julia's `rand(n, m)` and `LinearAlgebra` (matrix products, `svdvals`)
 * for the seed 001 examples: dense Float64 matrices, column-major as in Julia. Loaded on every
 * process with `everywhere(url)` (Julia's `@everywhere using LinearAlgebra`), so its functions
 * travel to the workers by reference.
 * @module
 */

/** A dense matrix: `data[i + j * rows]` is element (i, j). Travels as a plain object with a Float64Array. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** `rand(rows, cols)`: uniform random entries in [0, 1). */
export function rand(rows: number, cols: number = rows): Matrix {
  const data = new Float64Array(rows * cols);
  for (let k = 0; k < data.length; k++) data[k] = Math.random();
  return { rows, cols, data };
}

/** A matrix from its rows, e.g. `matrix([[3, 0], [4, 5]])`. */
export function matrix(rows: readonly (readonly number[])[]): Matrix {
  const r = rows.length;
  const c = rows[0]?.length ?? 0;
  const data = new Float64Array(r * c);
  rows.forEach((row, i) => row.forEach((v, j) => (data[i + j * r] = v)));
  return { rows: r, cols: c, data };
}

/** `A * B`. */
export function mul(A: Matrix, B: Matrix): Matrix {
  if (A.cols !== B.rows) throw new RangeError(`mul: ${A.rows}×${A.cols} times ${B.rows}×${B.cols}`);
  const n = A.rows;
  const out = new Float64Array(n * B.cols);
  const a = A.data;
  const b = B.data;
  // Column j of the product is a combination of A's columns: contiguous inner loops.
  for (let j = 0; j < B.cols; j++) {
    const cj = j * n;
    for (let k = 0; k < A.cols; k++) {
      const bkj = b[k + j * B.rows]!;
      const ak = k * n;
      for (let i = 0; i < n; i++) out[cj + i]! += a[ak + i]! * bkj;
    }
  }
  return { rows: n, cols: B.cols, data: out };
}

/** `A^2` (a matrix power: `A * A`). */
export function square(A: Matrix): Matrix {
  return mul(A, A);
}

/** `svdvals(A)`: the singular values, largest first (one-sided Jacobi). */
export function svdvals(A: Matrix): number[] {
  const m = A.rows;
  const n = A.cols;
  const u = Float64Array.from(A.data);
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = u[i + p * m]!;
          const y = u[i + q * m]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = u[i + p * m]!;
          const y = u[i + q * m]!;
          u[i + p * m] = c * x - s * y;
          u[i + q * m] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const values: number[] = [];
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += u[i + j * m]! ** 2;
    values.push(Math.sqrt(s));
  }
  return values.sort((a, b) => b - a);
}
