import { parentPort, workerData } from 'node:worker_threads';
import { wallClock } from '../control/clock.ts';
import { ControlDispatcher, toThreadError } from './control-dispatcher.ts';
import { ControlHost } from './control-host.ts';
import { RecorderRelay } from './recorder-relay.ts';
import { setOtherThreadsRealtime, setThreadNice, setThreadRealtime } from './thread-priority.ts';
import { StatusPublisher } from './status-publisher.ts';
import type { ControlWorkerData, FromControl } from './thread-messages.ts';

// The control thread (docs/architecture.md "Threads"): bridges, loops, scheduler, policies and
// frame building run here; the network thread only parses, routes and fans out.

const port = parentPort!;
const data = workerData as ControlWorkerData;
const post = (m: FromControl, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);

async function main(): Promise<void> {
  // before the loops exist: the control thread must win the CPU (docs/architecture.md "Threads")
  const priority = setThreadNice(data.config.threadNice.control);
  const rt = data.config.threadNice.controlRealtime;
  if (rt > 0) priority.realtime = setThreadRealtime(rt);
  // the control thread's garbage collections wait for V8's helper threads: they must not be starved (docs/architecture.md "Threads")
  if (rt > 1) priority.helpers = setOtherThreadsRealtime(rt - 1);
  const relay = data.record ? new RecorderRelay((ops) => post({ t: 'rec', ops })) : null;
  let dispatcher: ControlDispatcher | null = null;
  let host: ControlHost;
  try {
    host = await ControlHost.create(data.config, {
      clock: wallClock, recorder: relay, policies: data.policies, spinMs: data.spinMs, coalesceMs: data.coalesceMs, startPaused: data.startPaused,
      watched: (id) => dispatcher?.watched.has(id) ?? false,
      onFrames: (frames) => {
        // copy each frame into an ArrayBuffer of its own, which is then transferred: the encoder hands
        // out Buffers that share pooled memory (Buffer#slice would still share it)
        const own = frames.map((f) => ({ robot: f.robot, bytes: new Uint8Array(f.bytes) }));
        post({ t: 'frames', frames: own }, own.map((f) => f.bytes.buffer as ArrayBuffer));
      },
      onEvent: (e) => post({ t: 'event', e }),
      onError: (robot, err) => post({ t: 'log', level: 'error', msg: 'control tick failed; robot e-stopped', robot, err: toThreadError(err) }),
      log: (level, msg, robot) => post({ t: 'log', level, msg, robot }),
    });
  } catch (err) {
    post({ t: 'failed', error: toThreadError(err) });
    return;
  }
  dispatcher = new ControlDispatcher(host, post, relay);
  port.on('message', (m) => dispatcher!.receive(m));
  new StatusPublisher(host, (status, policies) => post({ t: 'status', status, policies })).start();
  post({ t: 'ready', robots: host.infos(), priority });
}

void main();
