// Overload load (c): REST GETs at a fixed rate (open loop, bounded in flight) with a token.
import { Agent, request } from 'node:http';
import { countInto } from './overload-ws.ts';
import { runChild } from './overload-child.ts';
import { percentile } from './percentiles.ts';

interface Params {
  baseUrl: string;
  token: string;
  paths: string[];
  ratePerS: number;
  maxInFlight: number;
  maxSeconds: number;
}

runChild<Params>((p, ready) => {
  const agent = new Agent({ keepAlive: true, maxSockets: p.maxInFlight });
  let codes: Record<string, number> = {};
  let latMs: number[] = [];
  let inFlight = 0;
  let issued = 0;
  let done = 0;
  let held = 0;
  let since = performance.now();
  let k = 0;

  const one = () => {
    const path = p.paths[k++ % p.paths.length];
    const t = performance.now();
    inFlight++;
    issued++;
    const end = (code: string) => {
      inFlight--;
      done++;
      countInto(codes, code);
      if (latMs.length < 500_000) latMs.push(performance.now() - t);
    };
    const req = request(`${p.baseUrl}${path}`, { agent, headers: { authorization: `Bearer ${p.token}` }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => end(String(res.statusCode)));
      res.on('error', () => end('response error'));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => end((err as NodeJS.ErrnoException).code ?? err.message));
    req.end();
  };

  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - since) / 1000) * p.ratePerS) - issued;
    const n = Math.min(due, p.maxInFlight - inFlight);
    for (let i = 0; i < n; i++) one();
    if (due > n) held = due - n;
  }, 5);
  ready();

  return {
    mark() {
      codes = {};
      latMs = [];
      issued = 0;
      done = 0;
      since = performance.now();
    },
    result: () => {
      clearInterval(timer);
      const s = (performance.now() - since) / 1000;
      return {
        targetPerS: p.ratePerS, done, donePerS: done / s, behindAtEnd: held, codes,
        latP50Ms: percentile(latMs, 50), latP99Ms: percentile(latMs, 99), latMaxMs: percentile(latMs, 100),
      };
    },
    close: () => agent.destroy(),
  };
});
