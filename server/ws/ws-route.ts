import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import type { RawData } from 'ws';
import { requestToken } from '../auth/auth-plugin.ts';
import type { WsLimits } from '../config/config-schema.ts';
import { TakeoverError } from '../errors.ts';
import { decodeClientMessage } from '../../protocol/codec.ts';
import { CLOSE_CODES } from '../../protocol/error-codes.ts';
import type { ClientMessage } from '../../protocol/messages.ts';
import type { Broadcaster } from './broadcaster.ts';
import { ClientSession } from './client-session.ts';
import { closeSocket } from './close-socket.ts';
import type { CommandRouter } from './command-router.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import { RateLimiter, type SpentBudget } from './rate-limiter.ts';

export interface WsRouteOptions {
  router: CommandRouter;
  broadcaster: Broadcaster;
  maxBufferBytes: number;
  /** rate budgets, queue bound, hello deadline and size, close timeout (docs/configuration.md) */
  limits: WsLimits;
  /** the open connections and their caps */
  connections: ConnectionLimits;
  /** why a browser origin may not connect, or null (origin-check.ts) */
  checkOrigin?: (req: FastifyRequest) => string | null;
  /** a hello failed to sign in (audit log) */
  onSignInFailure?: (req: FastifyRequest, reason: string) => void;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

const CAP_MESSAGE = { total: 'the server has as many connections as allowed', token: 'this token has as many connections as allowed' };

/**
 * GET /ws: the protocol endpoint (docs/protocol.md). A token in the upgrade (Bearer header or
 * ?token=) is checked in preValidation, before the socket exists; a bad one gets 401, one over a
 * connection cap 429. Without one, the hello must carry it. Before hello only a hello is read.
 * After it, bad frames get error frames and the connection stays open, within the connection's
 * budgets (rate-limiter.ts); over budget it is closed with 4004.
 */
export const wsRoutes: FastifyPluginAsync<WsRouteOptions> = async (app, o) => {
  const { router, broadcaster, connections, limits: L } = o;
  app.get('/ws', {
    websocket: true,
    schema: { hide: true } as Record<string, unknown>,
    preValidation: async (req) => {
      const refused = o.checkOrigin?.(req);
      if (refused) throw new TakeoverError('TKO_ERR_FORBIDDEN', refused);
      const token = requestToken(req);
      const p = token === null ? null : app.tokens.lookup(token);
      if (token !== null && !p) throw new TakeoverError('TKO_ERR_UNAUTHENTICATED', 'unknown token');
      const cap = connections.refusal(p?.name ?? null);
      if (cap) throw new TakeoverError('TKO_ERR_TOO_MANY_CONNECTIONS', CAP_MESSAGE[cap]);
      req.principal = p;
    },
  }, (socket, req) => {
    const s = new ClientSession(randomUUID(), socket, req.principal, o.maxBufferBytes, L);
    const refuse = (code: 'TKO_ERR_TOO_MANY_CONNECTIONS' | 'TKO_ERR_HELLO_REQUIRED' | 'TKO_ERR_RATE_LIMITED', message: string, close: number) => {
      s.send({ type: 'error', code, message });
      s.close(close, code);
    };
    // Upgrades that passed preValidation together can still overrun the caps.
    const cap = connections.open(s);
    if (cap) return refuse('TKO_ERR_TOO_MANY_CONNECTIONS', CAP_MESSAGE[cap], CLOSE_CODES.TOO_MANY_CONNECTIONS);
    broadcaster.sessions.add(s);
    const limiter = new RateLimiter(L, performance.now());
    const rateLimited = (spent: SpentBudget) => refuse('TKO_ERR_RATE_LIMITED', `${spent} budget of this connection spent`, CLOSE_CODES.RATE_LIMITED);
    const helloTimer = setTimeout(() => {
      if (s.protocol !== null) return;
      s.send({ type: 'error', code: 'TKO_ERR_HELLO_REQUIRED', message: `no hello within ${L.helloTimeoutMs} ms` });
      s.close(CLOSE_CODES.UNAUTHENTICATED, 'no hello', false);
    }, L.helloTimeoutMs);

    /** Runs a message through the router; a close the router starts (bad token, protocol) is cut if the client does not complete it. */
    const route = (msg: ClientMessage, at: number) => {
      if (msg.type === 'hello' && s.protocol === null) {
        const p = msg.token !== undefined ? app.tokens.lookup(msg.token) : s.principal;
        if (!p) o.onSignInFailure?.(req, msg.token !== undefined ? 'unknown token in hello' : 'no token');
        const name = p?.name;
        if (name && !connections.identify(s, name)) return refuse('TKO_ERR_TOO_MANY_CONNECTIONS', CAP_MESSAGE.token, CLOSE_CODES.TOO_MANY_CONNECTIONS);
      }
      router.handle(s, msg, at);
      if (socket.readyState === socket.CLOSING) closeSocket(socket, L.closeTimeoutMs);
    };

    /** Before hello only a hello is read: anything else closes the connection instead of being answered in a loop. */
    const beforeHello = (bytes: Uint8Array, isBinary: boolean, at: number) => {
      if (!isBinary || bytes.byteLength > L.maxHelloBytes) {
        return refuse('TKO_ERR_HELLO_REQUIRED', `the first frame must be a binary hello of at most ${L.maxHelloBytes} bytes`, CLOSE_CODES.HELLO_REQUIRED);
      }
      const d = decodeClientMessage(bytes);
      if (d.ok && d.msg.type === 'hello') return route(d.msg, at);
      const message = d.ok ? `send hello first, not ${d.msg.type}` : d.type === 'hello' ? d.message : `send hello first (${d.message})`;
      refuse('TKO_ERR_HELLO_REQUIRED', message, CLOSE_CODES.HELLO_REQUIRED);
    };

    const afterHello = (bytes: Uint8Array, isBinary: boolean, at: number) => {
      if (!isBinary) {
        s.errors++;
        s.send({ type: 'error', code: 'TKO_ERR_BAD_FRAME', message: 'text frames are not part of the protocol; send binary msgpack' });
        router.badInput(s);
        return;
      }
      const d = decodeClientMessage(bytes);
      if (!d.ok) {
        s.errors++;
        s.send({ type: 'error', code: d.code, message: d.message, ...(d.ref !== undefined ? { ref: d.ref } : {}), ...(d.type ? { for: d.type } : {}) });
        router.badInput(s);
        return;
      }
      route(d.msg, at);
    };

    socket.on('message', (data: RawData, isBinary: boolean) => {
      // a connection being closed reads nothing more
      if (socket.readyState !== socket.OPEN) return;
      const at = performance.now();
      const bytes = toBytes(data);
      const spent = limiter.frame(bytes.byteLength, at);
      if (spent) return rateLimited(spent);
      const errorsBefore = s.errors;
      try {
        if (s.protocol === null) beforeHello(bytes, isBinary, at);
        else afterHello(bytes, isBinary, at);
      } catch (err) {
        req.log.error({ err }, 'ws message handler failed');
        s.send({ type: 'error', code: 'TKO_ERR_INTERNAL', message: 'internal error handling the message' });
      }
      if (s.errors > errorsBefore && !limiter.errors(s.errors - errorsBefore, at)) rateLimited('errors');
    });
    // pings are answered by ws itself: they count as frames all the same
    socket.on('ping', (data: Buffer) => {
      if (socket.readyState !== socket.OPEN) return;
      const spent = limiter.frame(data.byteLength, performance.now());
      if (spent) rateLimited(spent);
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      connections.close(s);
      broadcaster.remove(s);
      const name = s.principal?.name;
      if (!name || s.protocol === null) return;
      for (const other of broadcaster.sessions) if (other.principal?.name === name && other.protocol !== null) return;
      router.gone(name);
    });
    socket.on('error', (err) => req.log.warn({ err }, 'ws socket error'));
  });
};
