import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { TokenStore } from '../auth/token-store.ts';
import { tokenFileWatch } from '../auth/token-file.ts';
import { setThreadNice } from '../control-plane/thread-priority.ts';
import { ClientSession } from '../ws/client-session.ts';
import { closeSocket } from '../ws/close-socket.ts';
import { originRefusal } from '../ws/origin-check.ts';
import { RateLimiter } from '../ws/rate-limiter.ts';
import { decodeClientMessage } from '../../protocol/codec.ts';
import { CLOSE_CODES } from '../../protocol/error-codes.ts';
import { ControlPortClient } from './control-port-client.ts';
import { SafetyGate } from './safety-gate.ts';
import type { FromSafety, SafetyWorkerData, ToSafety } from './safety-thread-messages.ts';

// The safety socket's thread (docs/architecture.md "Threads"): e-stops, pauses and heartbeats are
// read, checked and passed to the control thread here, so a busy network thread cannot delay them.

const parent = parentPort!;
const data = workerData as SafetyWorkerData;
const post = (m: FromSafety) => parent.postMessage(m);
const L = data.limits;

/**
 * The origin's host when it names the same host as the upgrade's Host header, on any port: the
 * console is served from the main port, so its origin never names this socket's port.
 */
function sameHostOrigin(origin: string | undefined, host: string | undefined): string | undefined {
  if (origin === undefined || host === undefined) return undefined;
  try {
    const o = new URL(origin);
    return o.hostname === new URL(`http://${host}`).hostname ? o.host : undefined;
  } catch {
    return undefined;
  }
}

function main(): void {
  const priority = setThreadNice(data.nice);
  const refresh = data.tokens.file ? tokenFileWatch(data.tokens.file, (err) => post({ t: 'log', level: 'error', msg: `safety socket: tokens file does not read: ${err.message}` })) : undefined;
  const tokens = new TokenStore(data.tokens.records, { refresh });
  const control = new ControlPortClient(data.control, data.bell ?? null);
  const gate = new SafetyGate({ tokens, robots: new Set(data.robots), control, onEstopAck: (ms) => post({ t: 'estop_ack', ms }) });
  const allowed = new Set(data.allowedOrigins.map((a) => new URL(a).origin));
  const server = data.tls ? createHttpsServer({ cert: data.tls.cert, key: data.tls.key }) : createHttpServer();
  server.on('request', (_req, res) => res.writeHead(426, { 'content-type': 'text/plain' }).end('the safety socket speaks WebSocket only (docs/protocol.md "Safety socket")\n'));
  const wss = new WebSocketServer({
    server, path: '/safety', maxPayload: L.maxHelloBytes * 4,
    verifyClient: (info, done) => {
      const origin = info.req.headers.origin;
      const why = originRefusal(origin, sameHostOrigin(origin, info.req.headers.host), allowed);
      if (why) return done(false, 403, why);
      if (wss.clients.size >= data.maxConnections) return done(false, 429, 'the safety socket has as many connections as allowed');
      done(true);
    },
  });
  wss.on('connection', (socket: WebSocket, req: IncomingMessage) => serve(socket, req, tokens, gate));
  server.on('error', (err) => post({ t: 'failed', message: `safety socket on ${data.host}:${data.port}: ${err.message}` }));
  // ws re-emits the server's errors on itself: reported above already
  wss.on('error', () => {});
  server.listen(data.port, data.host, () => {
    const a = server.address();
    post({ t: 'listening', port: typeof a === 'object' && a ? a.port : data.port, priority });
  });
  parent.on('message', (m: ToSafety) => {
    if (m.t !== 'close') return;
    for (const c of wss.clients) closeSocket(c, L.closeTimeoutMs, CLOSE_CODES.GOING_AWAY, 'server shutting down');
    wss.close();
    server.close(() => {
      control.close('the safety socket closed');
      post({ t: 'closed' });
    });
    server.closeAllConnections?.();
  });
}

/** One connection: only a hello before sign-in, within the hello deadline; the connection's budgets as on /ws. */
function serve(socket: WebSocket, req: IncomingMessage, tokens: TokenStore, gate: SafetyGate): void {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  const s = new ClientSession(randomUUID(), socket, bearer ? tokens.lookup(bearer) : null, data.maxBufferBytes, L);
  const limiter = new RateLimiter(L, performance.now());
  const refuse = (code: 'TKO_ERR_HELLO_REQUIRED' | 'TKO_ERR_RATE_LIMITED' | 'TKO_ERR_UNAUTHENTICATED', message: string, close: number) => {
    s.send({ type: 'error', code, message });
    s.close(close, code);
  };
  if (bearer && !s.principal) return refuse('TKO_ERR_UNAUTHENTICATED', 'unknown token', CLOSE_CODES.UNAUTHENTICATED);
  const helloTimer = setTimeout(() => {
    if (s.protocol === null) refuse('TKO_ERR_HELLO_REQUIRED', `no hello within ${L.helloTimeoutMs} ms`, CLOSE_CODES.UNAUTHENTICATED);
  }, L.helloTimeoutMs);
  socket.on('message', (raw: RawData, isBinary: boolean) => {
    if (socket.readyState !== socket.OPEN) return;
    const at = performance.now();
    const bytes = Array.isArray(raw) ? Buffer.concat(raw) : raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw;
    const spent = limiter.frame(bytes.byteLength, at);
    if (spent) return refuse('TKO_ERR_RATE_LIMITED', `${spent} budget of this connection spent`, CLOSE_CODES.RATE_LIMITED);
    const d = isBinary ? decodeClientMessage(bytes) : null;
    if (s.protocol === null && (!d?.ok || d.msg.type !== 'hello' || bytes.byteLength > L.maxHelloBytes)) {
      return refuse('TKO_ERR_HELLO_REQUIRED', `the first frame must be a binary hello of at most ${L.maxHelloBytes} bytes`, CLOSE_CODES.HELLO_REQUIRED);
    }
    const errorsBefore = s.errors;
    if (!d) {
      s.errors++;
      s.send({ type: 'error', code: 'TKO_ERR_BAD_FRAME', message: 'text frames are not part of the protocol; send binary msgpack' });
    } else if (!d.ok) {
      s.errors++;
      s.send({ type: 'error', code: d.code, message: d.message, ...(d.ref !== undefined ? { ref: d.ref } : {}), ...(d.type ? { for: d.type } : {}) });
    } else gate.handle(s, d.msg, at);
    if (s.errors > errorsBefore && !limiter.errors(s.errors - errorsBefore, at)) refuse('TKO_ERR_RATE_LIMITED', 'errors budget of this connection spent', CLOSE_CODES.RATE_LIMITED);
  });
  socket.on('close', () => clearTimeout(helloTimer));
  socket.on('error', () => {});
}

main();
