import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/websocket';
import type { RawData } from 'ws';
import { requestToken } from '../auth/auth-plugin.ts';
import { TakeoverError } from '../errors.ts';
import { decodeClientMessage } from '../../protocol/codec.ts';
import { CLOSE_CODES } from '../../protocol/error-codes.ts';
import type { Broadcaster } from './broadcaster.ts';
import { ClientSession } from './client-session.ts';
import type { CommandRouter } from './command-router.ts';

export interface WsRouteOptions {
  router: CommandRouter;
  broadcaster: Broadcaster;
  maxBufferBytes: number;
  /** a connection that has not said hello by then is closed (4001) */
  helloTimeoutMs: number;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/**
 * GET /ws: the protocol endpoint (docs/protocol.md). A token in the upgrade (Bearer header or
 * ?token=) is checked in preValidation, before the socket exists; a bad one gets 401. Without
 * one, the hello must carry it. Bad frames get error frames; the connection stays open.
 */
export const wsRoutes: FastifyPluginAsync<WsRouteOptions> = async (app, o) => {
  const { router, broadcaster } = o;
  app.get('/ws', {
    websocket: true,
    schema: { hide: true } as Record<string, unknown>,
    preValidation: async (req) => {
      const token = requestToken(req);
      if (token === null) return;
      const p = app.tokens.lookup(token);
      if (!p) throw new TakeoverError('TKO_ERR_UNAUTHENTICATED', 'unknown token');
      req.principal = p;
    },
  }, (socket, req) => {
    const s = new ClientSession(randomUUID(), socket, req.principal, o.maxBufferBytes);
    broadcaster.sessions.add(s);
    const helloTimer = setTimeout(() => {
      if (s.protocol !== null) return;
      s.send({ type: 'error', code: 'TKO_ERR_HELLO_REQUIRED', message: `no hello within ${o.helloTimeoutMs} ms` });
      socket.close(CLOSE_CODES.UNAUTHENTICATED, 'no hello');
    }, o.helloTimeoutMs);
    socket.on('message', (data: RawData, isBinary: boolean) => {
      const at = performance.now();
      try {
        if (!isBinary) {
          s.send({ type: 'error', code: 'TKO_ERR_BAD_FRAME', message: 'text frames are not part of the protocol; send binary msgpack' });
          router.badInput(s);
          return;
        }
        const d = decodeClientMessage(toBytes(data));
        if (!d.ok) {
          s.errors++;
          s.send({ type: 'error', code: d.code, message: d.message, ...(d.ref !== undefined ? { ref: d.ref } : {}), ...(d.type ? { for: d.type } : {}) });
          router.badInput(s);
          return;
        }
        router.handle(s, d.msg, at);
      } catch (err) {
        req.log.error({ err }, 'ws message handler failed');
        s.send({ type: 'error', code: 'TKO_ERR_INTERNAL', message: 'internal error handling the message' });
      }
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      broadcaster.sessions.delete(s);
      const name = s.principal?.name;
      if (!name || s.protocol === null) return;
      for (const other of broadcaster.sessions) if (other.principal?.name === name && other.protocol !== null) return;
      router.gone(name);
    });
    socket.on('error', (err) => req.log.warn({ err }, 'ws socket error'));
  });
};
