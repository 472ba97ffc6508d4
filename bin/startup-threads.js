// Records the threads Node started before any JavaScript ran (V8's platform threads, libuv's pool,
// the signal thread) as TAKEOVER_STARTUP_THREADS="<pid>:<tid>,...". The control thread raises only
// these (server/control-plane/thread-priority.ts): taken before tsx starts its loader thread and
// before any worker, so no JavaScript thread is among them, nor any thread that could spin.
import { readdirSync } from 'node:fs';

try {
  const tids = readdirSync('/proc/self/task').filter((t) => Number(t) !== process.pid);
  process.env.TAKEOVER_STARTUP_THREADS = `${process.pid}:${tids.join(',')}`;
} catch {
  // not Linux: there is no real-time scheduling to give the helpers
}
