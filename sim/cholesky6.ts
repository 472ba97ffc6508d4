// 6x6 Cholesky factor and solve, allocation-free: the IK solves one per iteration.

/** In-place Cholesky of a 6x6 SPD matrix (lower triangle holds L). */
export function choleskyInPlace(A: Float64Array): void {
  for (let j = 0; j < 6; j++) {
    let s = A[j * 6 + j];
    for (let k = 0; k < j; k++) s -= A[j * 6 + k] * A[j * 6 + k];
    const d = Math.sqrt(Math.max(s, 1e-12));
    A[j * 6 + j] = d;
    for (let i = j + 1; i < 6; i++) {
      let t = A[i * 6 + j];
      for (let k = 0; k < j; k++) t -= A[i * 6 + k] * A[j * 6 + k];
      A[i * 6 + j] = t / d;
    }
  }
}

/** Solves L L^T x = b with the factor from choleskyInPlace. */
export function choleskySolve(L: Float64Array, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < 6; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * 6 + k] * x[k];
    x[i] = s / L[i * 6 + i];
  }
  for (let i = 5; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < 6; k++) s -= L[k * 6 + i] * x[k];
    x[i] = s / L[i * 6 + i];
  }
}
