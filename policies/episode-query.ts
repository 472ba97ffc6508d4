import { Value } from '@sinclair/typebox/value';
import { EpisodeQuerySchema, type EpisodeQuery } from '../recordings/catalog.ts';

/**
 * Parses the `--episodes` query of `takeover train`: comma- or space-separated `key=value` pairs
 * over the catalog's episode filters (task=place,kind=demo,outcome=success,tag=round1,...), or
 * `all`. Values are converted to the filter's type; an unknown key or bad value is named.
 */
export function parseEpisodeQuery(text: string): Omit<EpisodeQuery, 'limit' | 'offset'> {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'all' || trimmed === '*') return {};
  const raw: Record<string, unknown> = {};
  for (const part of trimmed.split(/[,\s]+/).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`episode query: '${part}' is not key=value (example: task=place,kind=demo)`);
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 'limit' || key === 'offset' || !(key in EpisodeQuerySchema.properties)) {
      const keys = Object.keys(EpisodeQuerySchema.properties).filter((k) => k !== 'limit' && k !== 'offset');
      throw new Error(`episode query: unknown filter '${key}'; known: ${keys.join(', ')}`);
    }
    raw[key] = value;
  }
  const converted = Value.Convert(EpisodeQuerySchema, raw);
  if (!Value.Check(EpisodeQuerySchema, converted)) {
    const e = Value.Errors(EpisodeQuerySchema, converted).First();
    throw new Error(`episode query: ${e?.path.slice(1) ?? ''} ${e?.message ?? 'is invalid'} (got '${String(raw[e?.path.slice(1) ?? ''])}')`);
  }
  return converted as EpisodeQuery;
}
