// Worker thread of the latency bench: 32 viewers, one operator driving every robot, and a raw
// WebSocket echo pinger, on their own event loop and core, so the server's loop measures only itself.
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage } from '../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../protocol/messages.ts';

interface Params {
  url: string;
  echoUrl: string;
  viewerToken: string;
  operatorToken: string;
  robots: string[];
  viewers: number;
  teleopHz: number;
}
const p = workerData as Params;

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function signIn(token: string, onMsg: (m: ServerMessage) => void): Promise<WebSocket> {
  const ws = await open(`${p.url}?token=${token}`);
  const ready = new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const d = decodeServerMessage(new Uint8Array(data));
      if (!d.ok) throw new Error(`bad frame from the server: ${d.message}`);
      if (d.msg.type === 'server_info') resolve();
      onMsg(d.msg);
    });
  });
  ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION }));
  await ready;
  return ws;
}

let frames = 0;
let errors = 0;
const viewers: WebSocket[] = [];
for (let i = 0; i < p.viewers; i++) {
  const ws = await signIn(p.viewerToken, () => {});
  // Viewers here are load: count frames without decoding them (one decoding viewer checks validity).
  ws.removeAllListeners('message');
  ws.on('message', (data: Buffer) => {
    frames++;
    if (i === 0 && !decodeServerMessage(new Uint8Array(data)).ok) errors++;
  });
  ws.send(encodeMessage({ type: 'subscribe', robots: '*' }));
  viewers.push(ws);
}
const send = (ws: WebSocket, m: ClientMessage) => ws.send(encodeMessage(m));
let acks = 0;
let refused = 0;
const op = await signIn(p.operatorToken, (m) => {
  if (m.type === 'error') errors++;
  if (m.type === 'ack') acks++;
  // a refused take-over is an answer too: say why instead of waiting for an ack that never comes
  if (m.type === 'error' && m.for === 'take_over') {
    refused++;
    process.stderr.write(`latency bench: take_over refused: ${m.code} ${m.message}\n`);
  }
});
for (const robot of p.robots) send(op, { type: 'take_over', robot });
while (acks + refused < p.robots.length) await new Promise((r) => setTimeout(r, 5));

// Raw round trip: the same kind of msgpack frame to a bare ws echo server in the server's process.
const echo = await open(p.echoUrl);
const rtt: number[] = [];
let sentAt = 0;
echo.on('message', () => rtt.push(performance.now() - sentAt));

let k = 0;
const teleop = setInterval(() => {
  k++;
  const s = Math.sin(k / 10);
  for (const robot of p.robots) send(op, { type: 'teleop', robot, kind: 'delta', action: [0.3 * s, 0.3 * Math.cos(k / 10), 0.2 * s, 0, 0, 0, -1] });
  if (k % 5 === 0) {
    sentAt = performance.now();
    echo.send(encodeMessage({ type: 'teleop', robot: p.robots[0], kind: 'delta', action: [0.3, 0, 0, 0, 0, 0, -1] }));
  }
}, 1000 / p.teleopHz);

parentPort!.postMessage({ type: 'ready' });
parentPort!.on('message', (m: { type: string }) => {
  if (m.type === 'reset') {
    rtt.length = 0;
    frames = 0;
    errors = 0;
  } else if (m.type === 'stop') {
    clearInterval(teleop);
    parentPort!.postMessage({ type: 'result', rtt, frames, errors });
    for (const ws of [...viewers, op, echo]) ws.close();
  }
});
