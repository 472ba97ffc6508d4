/** A parsed hash route: #/fleet, #/robot/<id>, #/replay, #/replay/<episodeId>. */
export type Route =
  | { name: 'fleet' }
  | { name: 'robot'; id: string }
  | { name: 'replay'; episodeId: string | null };

/** Parses a location hash; anything unknown is the fleet. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'robot' && parts[1]) return { name: 'robot', id: parts[1] };
  if (parts[0] === 'replay') return { name: 'replay', episodeId: parts[1] ?? null };
  return { name: 'fleet' };
}

/** The hash of a route. */
export function routeHash(r: Route): string {
  if (r.name === 'robot') return `#/robot/${encodeURIComponent(r.id)}`;
  if (r.name === 'replay') return r.episodeId ? `#/replay/${encodeURIComponent(r.episodeId)}` : '#/replay';
  return '#/fleet';
}
