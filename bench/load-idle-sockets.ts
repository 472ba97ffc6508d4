// Overload load (b): many idle signed-in sockets, plus a few that never send hello (the server
// closes those after its hello timeout; they come back at once).
import type WebSocket from 'ws';
import { countInto, openWs, signIn } from './overload-ws.ts';
import { runChild } from './overload-child.ts';

interface Params {
  url: string;
  token: string;
  signedIn: number;
  helloless: number;
  concurrency: number;
  maxSeconds: number;
  /** bound on reopened hello-less sockets */
  maxReopen: number;
}

runChild<Params>((p, ready) => {
  const idle: WebSocket[] = [];
  const silent = new Set<WebSocket>();
  const idleCloses: Record<string, number> = {};
  const silentCloses: Record<string, number> = {};
  let signInFailures = 0;
  let silentOpened = 0;
  let stopped = false;
  let rampS = NaN;
  const t0 = performance.now();

  const openSilent = async (): Promise<void> => {
    if (stopped || silentOpened >= p.helloless + p.maxReopen) return;
    silentOpened++;
    try {
      const ws = await openWs(p.url, 10_000);
      silent.add(ws);
      ws.on('error', () => {});
      ws.on('close', (code) => {
        silent.delete(ws);
        countInto(silentCloses, code);
        setTimeout(() => void openSilent(), 10);
      });
    } catch {
      setTimeout(() => void openSilent(), 100);
    }
  };

  let claimed = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && claimed < p.signedIn && signInFailures < p.signedIn) {
      claimed++;
      try {
        const ws = await signIn(p.url, p.token, 'bench-idle', () => {}, 20_000);
        ws.removeAllListeners('message');
        ws.on('error', () => {});
        ws.on('close', (code) => countInto(idleCloses, code));
        idle.push(ws);
      } catch {
        signInFailures++;
        claimed--;
      }
    }
  };

  for (let i = 0; i < p.helloless; i++) void openSilent();
  Promise.all(Array.from({ length: p.concurrency }, worker)).then(() => {
    rampS = (performance.now() - t0) / 1000;
    ready();
  });

  return {
    result: () => {
      stopped = true;
      return {
        signedIn: idle.length, open: idle.filter((ws) => ws.readyState === 1).length, signInFailures, rampS,
        helloless: silent.size, hellolessOpened: silentOpened, idleCloses, hellolessCloses: silentCloses,
      };
    },
    close: () => {
      for (const ws of [...idle, ...silent]) ws.terminate();
    },
  };
});
