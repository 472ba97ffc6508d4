import { parentPort, workerData } from 'node:worker_threads';
import { TestClient } from '../support/test-server.ts';
import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';

// An operator on another thread (standing in for another machine): signs in on /ws and on the
// safety socket, then on `go` e-stops one robot through each and reports when each ack came back.

const d = workerData as { wsUrl: string; safetyUrl: string; token: string; delayMs: number };

async function main(): Promise<void> {
  const { client: ws } = await TestClient.signIn(d.wsUrl, d.token);
  const safety = await TestClient.connect(d.safetyUrl, d.token);
  safety.send({ type: 'hello', protocol: PROTOCOL_VERSION });
  await safety.next((m) => m.type === 'ack' && m.for === 'hello');
  parentPort!.once('message', async () => {
    await new Promise((r) => setTimeout(r, d.delayMs));
    const sent = Date.now();
    const viaSafety = safety.next((m) => m.type === 'ack' && m.ref === 1).then(() => Date.now());
    const viaWs = ws.next((m) => m.type === 'ack' && m.ref === 2).then(() => Date.now());
    safety.send({ type: 'estop', robot: 'arm0', ref: 1 });
    ws.send({ type: 'estop', robot: 'arm1', ref: 2 });
    const [safetyAckAt, wsAckAt] = await Promise.all([viaSafety, viaWs]);
    parentPort!.postMessage({ sent, safetyAckAt, wsAckAt });
    ws.close();
    safety.close();
  });
  parentPort!.postMessage('ready');
}

void main();
