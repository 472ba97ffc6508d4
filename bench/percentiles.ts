/** p-th percentile (0..100) of a sample, nearest-rank on a sorted copy. */
export function percentile(sample: ArrayLike<number>, p: number): number {
  const s = Float64Array.from(sample).sort();
  if (s.length === 0) return NaN;
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx];
}

/** Formats a figure for the bench tables. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 10 ** digits ? x.toFixed(0) : x.toPrecision(digits);
}
