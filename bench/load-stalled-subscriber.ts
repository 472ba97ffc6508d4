// Overload load (e): a viewer that subscribes to every robot and then never reads (its socket is
// paused), so the server's side of it fills up.
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { countInto, send, signIn } from './overload-ws.ts';
import { runChild } from './overload-child.ts';

interface Params {
  url: string;
  token: string;
  maxSeconds: number;
}

runChild<Params>((p, ready) => {
  let ws: WebSocket | null = null;
  let bytesBeforePause = 0;
  const closes: Record<string, number> = {};
  (async () => {
    ws = await signIn(p.url, p.token, 'bench-stalled');
    ws.removeAllListeners('message');
    ws.on('message', (d: Buffer) => (bytesBeforePause += d.byteLength));
    ws.on('close', (code) => countInto(closes, code));
    ws.on('error', () => {});
    send(ws, { type: 'subscribe', robots: '*' });
    await new Promise((r) => setTimeout(r, 200));
    (ws as unknown as { _socket: Socket })._socket.pause();
    ready();
  })().catch((err: Error) => process.stdout.write(JSON.stringify({ type: 'error', message: err.message }) + '\n'));
  return {
    result: () => ({ paused: ws !== null, bytesBeforePause, closes }),
    close: () => ws?.terminate(),
  };
});
