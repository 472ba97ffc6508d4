import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { FastifyInstance } from 'fastify';
import { defaultConfig, type WsLimits } from '../../../server/config/config-schema.ts';

/** The default WebSocket limits with some replaced; closes are cut after 200 ms (tests use small, fast limits). */
export const wsLimits = (over: Partial<WsLimits>): WsLimits => ({ ...defaultConfig().wsLimits, closeTimeoutMs: 200, ...over });

/** The rate budgets switched off: for tests that flood on purpose to exercise something else. */
export const UNLIMITED_RATES: Partial<WsLimits> = { messagesPerSecond: 0, bytesPerSecond: 0, errorsPerSecond: 0 };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or a rejection naming `what` after `ms`: a behaviour that does not happen fails fast instead of hanging. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Waits (polling) until `cond` holds; rejects after `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(5);
  }
}

/** The server-side sockets of the app's WebSocket server. */
export const serverSockets = (app: FastifyInstance): WebSocket[] => [...app.websocketServer.clients];

/** Resolves when a server-side socket has closed (its TCP socket destroyed). */
export const socketClosed = (ws: WebSocket): Promise<void> =>
  ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise((r) => ws.once('close', () => r()));

/**
 * Opens a raw TCP connection to `/ws`, writes the upgrade request and then neither reads nor
 * answers anything: a WebSocket client that does not read.
 */
export async function deafClient(port: number, query = ''): Promise<Socket> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
  sock.pause();
  sock.write(
    `GET /ws${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return sock;
}
