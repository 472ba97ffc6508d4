// Overload load (a): a signed-in viewer flooding 1-byte frames that are not msgpack, as fast as
// it can, reconnecting when closed and counting the closes by code.
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { countInto, signIn } from './overload-ws.ts';
import { runChild } from './overload-child.ts';

interface Params {
  url: string;
  token: string;
  maxSeconds: number;
  /** bytes queued in the client before it waits (bounds this process's memory) */
  bufferCap: number;
  maxReconnects: number;
}

/** 0xc1 is the one byte msgpack never uses: the server answers TKO_ERR_BAD_FRAME. */
const BAD = Buffer.from([0xc1]);

runChild<Params>((p, ready) => {
  const closes: Record<string, number> = {};
  let sent = 0;
  let answers = 0;
  let reconnects = 0;
  let connectFailures = 0;
  let since = performance.now();
  let stopped = false;
  let ws: WebSocket | null = null;

  const pump = (sock: WebSocket) => {
    if (stopped || sock !== ws || sock.readyState !== 1) return;
    const raw = (sock as unknown as { _socket: Socket })._socket;
    raw.cork();
    for (let i = 0; i < 256 && sock.bufferedAmount < p.bufferCap; i++) {
      sock.send(BAD, { binary: true });
      sent++;
    }
    raw.uncork();
    if (sock.bufferedAmount < p.bufferCap) setImmediate(() => pump(sock));
    else setTimeout(() => pump(sock), 1);
  };

  const connect = async (): Promise<void> => {
    while (!stopped) {
      try {
        const sock = await signIn(p.url, p.token, 'bench-flood', () => {}, 10_000);
        sock.removeAllListeners('message');
        sock.on('message', () => answers++);
        sock.on('close', (code) => {
          countInto(closes, code);
          if (stopped || reconnects >= p.maxReconnects) return;
          reconnects++;
          setTimeout(() => void connect(), 20);
        });
        sock.on('error', () => {});
        ws = sock;
        pump(sock);
        return;
      } catch {
        connectFailures++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  connect().then(ready);

  return {
    mark() {
      sent = 0;
      answers = 0;
      since = performance.now();
    },
    result: () => {
      stopped = true;
      const s = (performance.now() - since) / 1000;
      return { sent, sentPerS: sent / s, errorFramesBack: answers, errorFramesPerS: answers / s, reconnects, connectFailures, closes };
    },
    close: () => ws?.terminate(),
  };
});
