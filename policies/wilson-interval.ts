/**
 * 95% Wilson score interval of a success rate: better behaved than the normal approximation at
 * small n and near 0 or 1, which is where policy success rates live.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): [number, number] {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`wilsonInterval: need at least one trial, got ${n}`);
  if (!(successes >= 0 && successes <= n)) throw new Error(`wilsonInterval: ${successes} successes out of ${n}`);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // exact at the ends (rounding would otherwise leave 1 - 1e-16 for n/n)
  return [successes === 0 ? 0 : Math.max(0, centre - half), successes === n ? 1 : Math.min(1, centre + half)];
}
