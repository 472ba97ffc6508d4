// WebSocket helpers shared by the overload bench's client processes (message shapes as in
// bench/latency-worker.ts; codec protocol/codec.ts).
import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage } from '../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../protocol/messages.ts';

/** Opens a socket (rejects on error or after `timeoutMs`). */
export function openWs(url: string, timeoutMs = 20_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed ${code} before open`)));
  });
}

/** Decodes a server frame; null if it does not decode. */
export function decode(data: Buffer): ServerMessage | null {
  const d = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return d.ok ? d.msg : null;
}

/** Sends one protocol message. */
export function send(ws: WebSocket, m: ClientMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(encodeMessage(m));
}

type ServerInfo = Extract<ServerMessage, { type: 'server_info' }>;

/** Opens `url?token=`, says hello and resolves on server_info; later frames go to `onMsg`. */
export async function signIn(url: string, token: string, client: string, onMsg: (m: ServerMessage) => void = () => {}, timeoutMs = 20_000): Promise<WebSocket> {
  return (await signInWithInfo(url, token, client, onMsg, timeoutMs)).ws;
}

/**
 * Signs in like `signIn` and also returns the server_info. On the safety socket (`safety`: its
 * answer to hello is an ack, docs/protocol.md "Safety socket") info is null.
 */
export async function signInWithInfo(url: string, token: string, client: string, onMsg: (m: ServerMessage) => void = () => {}, timeoutMs = 20_000, safety = false): Promise<{ ws: WebSocket; info: ServerInfo | null }> {
  const ws = await openWs(`${url}?token=${token}`, timeoutMs);
  const info = await new Promise<ServerInfo | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to hello within ${timeoutMs} ms`)), timeoutMs);
    ws.on('message', (data: Buffer) => {
      const m = decode(data);
      if (!m) return;
      if (m.type === 'server_info' || (safety && m.type === 'ack' && m.for === 'hello')) {
        clearTimeout(timer);
        resolve(m.type === 'server_info' ? m : null);
      } else onMsg(m);
    });
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed ${code} before the answer to hello`));
    });
    send(ws, { type: 'hello', protocol: PROTOCOL_VERSION, client });
  });
  return { ws, info };
}

/** Counts by key (close codes, error codes, reasons). */
export function countInto(into: Record<string, number>, key: string | number): void {
  into[key] = (into[key] ?? 0) + 1;
}
