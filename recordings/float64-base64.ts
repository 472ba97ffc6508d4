/** Numbers as base64 of little-endian float64 (the journal's form of a step's `physicsState`). */
export function encodeFloat64(values: readonly number[]): string {
  const b = Buffer.allocUnsafe(8 * values.length);
  for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i], 8 * i);
  return b.toString('base64');
}

/** The numbers of `encodeFloat64`'s base64; throws on a length that is not whole float64s. */
export function decodeFloat64(base64: string): number[] {
  const b = Buffer.from(base64, 'base64');
  if (b.length % 8 !== 0) throw new Error(`physicsState holds ${b.length} bytes, not a whole number of float64s`);
  return Array.from({ length: b.length / 8 }, (_, i) => b.readDoubleLE(8 * i));
}
