// Client process of the overload bench: viewers subscribed to every robot (as in
// bench/latency-worker.ts: frames are counted, one viewer decodes them to check them).
import type WebSocket from 'ws';
import { countInto, decode, send, signIn } from './overload-ws.ts';
import { runChild } from './overload-child.ts';

interface Params {
  url: string;
  token: string;
  viewers: number;
  maxSeconds: number;
}

runChild<Params>((p, ready) => {
  const sockets: WebSocket[] = [];
  const closes: Record<string, number> = {};
  let frames = 0;
  let undecodable = 0;
  let since = performance.now();
  (async () => {
    for (let i = 0; i < p.viewers; i++) {
      const ws = await signIn(p.url, p.token, `bench-viewer-${i}`);
      ws.removeAllListeners('message');
      ws.on('message', (data: Buffer) => {
        frames++;
        if (i === 0 && !decode(data)) undecodable++;
      });
      ws.on('close', (code) => countInto(closes, code));
      send(ws, { type: 'subscribe', robots: '*' });
      sockets.push(ws);
    }
    ready();
  })().catch((err: Error) => process.stdout.write(JSON.stringify({ type: 'error', message: err.message }) + '\n'));
  return {
    mark() {
      frames = 0;
      undecodable = 0;
      since = performance.now();
    },
    result: () => ({ viewers: sockets.length, frames, framesPerS: frames / ((performance.now() - since) / 1000), undecodable, closes }),
    close: () => sockets.forEach((ws) => ws.terminate()),
  };
});
