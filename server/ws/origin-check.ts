import type { FastifyRequest } from 'fastify';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** An origin in the form browsers send it (`scheme://host[:port]`, default port dropped, lower case), or null. */
function normalOrigin(origin: string): string | null {
  try {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.origin;
  } catch {
    return null;
  }
}

/**
 * Decides whether a WebSocket upgrade's `Origin` may connect: none (not a browser; it needs a
 * token all the same), the server's own origin (its host as the request names it), localhost /
 * 127.0.0.1 / [::1] on any port, or one of `allowed`. `null` (sandboxed frames, files) and every
 * other origin are refused. Returns why it refused, or null to admit.
 */
export function originRefusal(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): string | null {
  if (origin === undefined) return null;
  const o = normalOrigin(origin);
  const refusal = `origin '${origin.slice(0, 200)}' may not open /ws (allowed: this server's own origin, localhost, and allowedOrigins in docs/configuration.md)`;
  if (o === null) return refusal;
  const u = new URL(o);
  if (LOOPBACK.has(u.hostname)) return null;
  if (host !== undefined && u.host === host.toLowerCase()) return null;
  return allowed.has(o) ? null : refusal;
}

/** The check for the /ws upgrade with the configured extra origins (`allowedOrigins`); `onRefused` hears every refusal. */
export function originCheck(allowedOrigins: readonly string[], onRefused?: (req: FastifyRequest, origin: string) => void): (req: FastifyRequest) => string | null {
  const allowed = new Set(allowedOrigins.map((a) => normalOrigin(a)).filter((a): a is string => a !== null));
  return (req) => {
    const h = req.headers.origin;
    const origin = Array.isArray(h) ? h[0] : h;
    const why = originRefusal(origin, req.headers.host, allowed);
    if (why && origin !== undefined) onRefused?.(req, origin);
    return why;
  };
}
