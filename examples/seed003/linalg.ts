/**
 * Small dense linear algebra for examples/seed003/07-parallel-loops.ts, loaded on every
 * process with `everywhere(url)` (Julia's `@everywhere include("count_heads.jl")`): the coin
 * flips of the manual's `count_heads`, a seeded random matrix, and `svdvals` (the singular
 * values, from the eigenvalues of AᵀA by cyclic Jacobi rotations).
 *
 * Matrices are square, column-major Float64Arrays (an n×n matrix has n² elements).
 *
 * @example
 * ```ts
 * await everywhere(new URL("./linalg.ts", import.meta.url));
 * countHeads(1e6);                     // about 500000
 * svdvals(seededMatrix(3, 40));        // 40 singular values, largest first
 * ```
 * @module
 */

/** function count_heads(n) c::Int = 0; for i = 1:n c += rand(Bool) end; c end */
export function countHeads(n: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) c += Math.random() < 0.5 ? 1 : 0;
  return c;
}

/** An n×n matrix of uniform values in [0, 1), the same for the same seed on every runtime. */
export function seededMatrix(seed: number, n: number): Float64Array {
  const m = new Float64Array(n * n);
  for (let k = 0; k < m.length; k++) {
    let z = (Math.imul(seed, 0x9e3779b9) + Math.imul(k + 1, 0x85ebca6b)) | 0;
    z = Math.imul(z ^ (z >>> 16), 0x7feb352d);
    z = Math.imul(z ^ (z >>> 15), 0x846ca68b);
    m[k] = ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }
  return m;
}

/** svdvals(A): the singular values of a square matrix, largest first. */
export function svdvals(A: Float64Array): number[] {
  const n = Math.round(Math.sqrt(A.length));
  // S = AᵀA (symmetric): S[i,j] = column i · column j
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += A[i * n + k]! * A[j * n + k]!;
      S[i * n + j] = dot;
      S[j * n + i] = dot;
    }
  }
  // Cyclic Jacobi: rotate away each off-diagonal element until S is diagonal.
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += S[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = S[p * n + q]!;
        if (apq === 0) continue;
        const theta = (S[q * n + q]! - S[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          // columns p and q
          const skp = S[p * n + k]!;
          const skq = S[q * n + k]!;
          S[p * n + k] = c * skp - s * skq;
          S[q * n + k] = s * skp + c * skq;
        }
        for (let k = 0; k < n; k++) {
          // rows p and q
          const spk = S[k * n + p]!;
          const sqk = S[k * n + q]!;
          S[k * n + p] = c * spk - s * sqk;
          S[k * n + q] = s * spk + c * sqk;
        }
      }
    }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(Math.sqrt(Math.max(0, S[i * n + i]!)));
  return values.sort((a, b) => b - a);
}
