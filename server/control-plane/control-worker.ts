import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { wallClock } from '../control/clock.ts';
import { ControlDispatcher, toThreadError } from './control-dispatcher.ts';
import { ControlHost } from './control-host.ts';
import { Doorbell } from './doorbell.ts';
import { RecorderRelay } from './recorder-relay.ts';
import { setHelperThreadsRealtime, setThreadNice, setThreadRealtime, startupThreads } from './thread-priority.ts';
import { StatusPublisher } from './status-publisher.ts';
import { isSafetyToControl, type ControlWorkerData, type FromControl, type ToControl } from './thread-messages.ts';

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
  // (under node --single-threaded-gc they do not use them, and are left alone)
  if (rt > 1 && !data.singleThreadedGc) priority.helpers = setHelperThreadsRealtime(rt - 1, startupThreads());
  const relay = data.record ? new RecorderRelay((ops) => post({ t: 'rec', ops })) : null;
  let dispatcher: ControlDispatcher | null = null;
  let host: ControlHost;
  try {
    host = await ControlHost.create(data.config, {
      clock: wallClock, recorder: relay, policies: data.policies, spinMs: data.spinMs, coalesceMs: data.coalesceMs, startPaused: data.startPaused,
      watched: (id) => dispatcher?.watched.has(id) ?? false,
      onFrames: (frames) => {
        // copy the flush's frames into one ArrayBuffer, which is then transferred: the encoder hands
        // out Buffers that share pooled memory (Buffer#slice would still share it); one allocation a
        // flush, not one a frame, keeps the control thread's allocations (and page faults) down
        let total = 0;
        for (const f of frames) total += f.bytes.byteLength;
        const buf = new ArrayBuffer(total);
        let at = 0;
        const own = frames.map((f) => {
          const bytes = new Uint8Array(buf, at, f.bytes.byteLength);
          bytes.set(f.bytes);
          at += f.bytes.byteLength;
          return { robot: f.robot, bytes };
        });
        post({ t: 'frames', frames: own }, [buf]);
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
  const d = dispatcher;
  // each port's handler; the safety port joins when its message arrives
  const handlers = new Map<MessagePort, (m: unknown) => void>();
  /** takes everything waiting on the ports now, in the order each sent it; how many */
  const takeWaiting = () => {
    let n = 0;
    for (const [p, handle] of handlers) for (let r = receiveMessageOnPort(p); r; r = receiveMessageOnPort(p), n++) handle(r.message);
    return n;
  };
  // A message event takes the rest of what waits and runs the commands at once: before the
  // frames, status and recorder work this turn of the event loop has queued, and before the
  // pre-tick sleep (else they would wait for that sleep and the next tick). The batch still
  // coalesces the teleops that arrived together. Near a due tick they wait for after it (the
  // dispatcher's setImmediate).
  const scheduler = host.fleet.scheduler;
  const listen = (p: MessagePort, handle: (m: unknown) => void) => {
    handlers.set(p, handle);
    p.on('message', (m: unknown) => {
      handle(m);
      takeWaiting();
      if (!scheduler.nearTick()) d.drain();
    });
  };
  listen(port, (m) => ((m as ToControl).t === 'safety_port' ? listenToSafety(d, (m as Extract<ToControl, { t: 'safety_port' }>).port, listen) : d.receive(m as ToControl)));
  // the bell exists only with controlDoorbell on
  if (data.bell) {
    // a ring during the pre-tick sleep: take what waits on the ports now, in the order sent, and run it
    host.fleet.scheduler.wakeOn(new Doorbell(data.bell), () => {
      const n = takeWaiting();
      d.drain();
      return n;
    });
  }
  new StatusPublisher(host, (status, policies) => post({ t: 'status', status, policies })).start();
  post({ t: 'ready', robots: host.infos(), priority });
}

/** E-stops and pauses from the safety socket's thread come straight here, never through the network thread; their answers go back the same way. */
function listenToSafety(d: ControlDispatcher, safety: MessagePort, listen: (p: MessagePort, handle: (m: unknown) => void) => void): void {
  const out = (m: FromControl) => safety.postMessage(m);
  listen(safety, (m) => {
    if (isSafetyToControl(m)) d.receive(m, out);
  });
}

void main();
