/** Two-sided 95% Student t quantiles for 1..30 degrees of freedom (beyond: the normal's 1.96). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Mean and 95% t interval of paired differences (one per seed); null bounds with fewer than two pairs. */
export function pairedInterval(diffs: readonly number[]): { mean: number; lo: number | null; hi: number | null; n: number } {
  const n = diffs.length;
  if (n === 0) throw new Error('pairedInterval: no pairs');
  const mean = diffs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lo: null, hi: null, n };
  const sd = Math.sqrt(diffs.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1));
  const half = (n - 1 <= T95.length ? T95[n - 2] : 1.96) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, n };
}

/**
 * Ratio of two paired positive quantities (b over a, one pair per seed): the geometric mean of
 * the per-seed ratios with the 95% t interval of their logs, mapped back. Pairs where either side
 * is not a positive finite number are left out (counted in `excluded`).
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): { ratio: number; lo: number | null; hi: number | null; n: number; excluded: number } {
  if (a.length !== b.length) throw new Error(`pairedRatio: ${a.length} and ${b.length} values`);
  const logs: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] > 0 && b[i] > 0 && Number.isFinite(a[i]) && Number.isFinite(b[i])) logs.push(Math.log(b[i] / a[i]));
  if (logs.length === 0) return { ratio: NaN, lo: null, hi: null, n: 0, excluded: a.length };
  const p = pairedInterval(logs);
  return { ratio: Math.exp(p.mean), lo: p.lo === null ? null : Math.exp(p.lo), hi: p.hi === null ? null : Math.exp(p.hi), n: p.n, excluded: a.length - logs.length };
}
