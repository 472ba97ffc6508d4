import type { FastifyPluginAsync } from 'fastify';
import type {} from '@fastify/swagger';
import { Type, type TSchema } from '@sinclair/typebox';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { Broadcaster } from '../ws/broadcaster.ts';
import { PROTOCOL_VERSION } from '../../protocol/messages.ts';
import { RobotStatusSchema } from '../control-plane/robot-status.ts';
import type { ThreadPriority } from '../control-plane/thread-priority.ts';
import { ThreadFiguresSchema } from '../control-plane/thread-figures.ts';
import type { SampleRing } from '../control/rate-meter.ts';

export interface StatusOptions {
  control: ControlPlane;
  broadcaster: Broadcaster;
  version: string;
  /** what computes policies and physics, for the status page */
  backend: () => Promise<{ physics: string[]; policy: string }>;
  recorderStats: () => Record<string, number> | null;
  /** the niceness of the server's threads (null: in-process loops) */
  threads: () => { control: ThreadPriority | null; network: ThreadPriority | null; safety: ThreadPriority | null };
  /** e-stop frames' arrival to their answer handed to the socket, ms (the network thread's share of an e-stop) */
  estopAckMs: SampleRing;
  /** the same on the safety socket's thread, and its port (null: not running) */
  safety: { estopAckMs: SampleRing; port: () => number | null };
}

const PrioritySchema = Type.Object({
  wanted: Type.Integer(), nice: Type.Union([Type.Integer(), Type.Null()]), error: Type.String({ description: "'' when the thread has the niceness asked for" }),
  realtime: Type.Optional(Type.Object({ wanted: Type.Integer(), ok: Type.Boolean(), error: Type.String() })),
  helpers: Type.Optional(Type.Object({ wanted: Type.Integer(), threads: Type.Integer(), ok: Type.Boolean(), error: Type.String() })),
});
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

const EstopAckSchema = Type.Object({
  count: Type.Integer(), p50Ms: Nullable(Type.Number()), p99Ms: Nullable(Type.Number()), maxMs: Nullable(Type.Number()),
}, { description: "e-stops since the window's start: from the frame's arrival to the answer handed to the socket (decode excluded, network excluded)" });

const StatusSchema = Type.Object({
  name: Type.Literal('takeover'), version: Type.String(), protocol: Type.Integer(), uptimeS: Type.Number(),
  backend: Type.Object({ physics: Type.Array(Type.String()), policy: Type.String() }),
  robots: Type.Array(RobotStatusSchema),
  clients: Type.Integer(), framesDropped: Type.Integer(), schedulerOverruns: Type.Integer(),
  recorder: Type.Union([Type.Record(Type.String(), Type.Number()), Type.Null()]),
  threads: Type.Object({ control: Nullable(PrioritySchema), network: Nullable(PrioritySchema), safety: Nullable(PrioritySchema) }),
  controlThread: ThreadFiguresSchema,
  memory: Type.Object({
    rssMiB: Type.Number({ description: 'the whole process: every thread, V8 heaps, wasm memory (MuJoCo, policies), native buffers' }),
    heapTotalMiB: Type.Number({ description: "the network thread's V8 heap (the control thread's: controlThread.heap)" }),
    heapUsedMiB: Type.Number(),
    externalMiB: Type.Number({ description: "memory outside V8 heaps held by the network thread's objects (buffers)" }),
    arrayBuffersMiB: Type.Number(),
  }, { description: 'memory now, MiB' }),
  estopAck: EstopAckSchema,
  safetySocket: Type.Object({
    port: Nullable(Type.Integer({ description: 'null: the safety socket is not running' })),
    estopAck: EstopAckSchema,
  }, { description: 'the safety socket (docs/protocol.md "Safety socket"): e-stops timed on its own thread' }),
});

function estopAck(r: SampleRing): { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
  const [p50, p99, max] = r.percentiles([50, 99, 100]).map((x) => (Number.isFinite(x) ? x : null));
  return { count: r.count, p50Ms: p50, p99Ms: p99, maxMs: max };
}

/** GET /api/status: version, robots with measured loop rates, backend, clients (viewer and above). */
export const statusApi: FastifyPluginAsync<StatusOptions> = async (app, o) => {
  const started = performance.now();
  app.get('/api/health', {
    config: { role: 'public' },
    schema: {
      tags: ['server'], summary: 'liveness probe, no token needed: 503 once the control thread is gone',
      response: { 200: Type.Object({ ok: Type.Boolean(), robots: Type.Integer() }), 503: Type.Object({ ok: Type.Boolean(), robots: Type.Integer() }) },
    },
  }, async (_req, reply) => {
    if (!o.control.running) reply.code(503);
    return { ok: o.control.running, robots: o.control.robotIds.length };
  });
  app.post('/api/status/reset-figures', {
    config: { role: 'operator' },
    schema: {
      tags: ['server'], summary: "starts a new measurement window: every loop's jitter and command-latency samples are cleared (the next status snapshot, within 0.5 s, shows it)",
      response: { 200: Type.Object({ robots: Type.Integer() }) },
    },
  }, async () => {
    await o.control.resetFigures();
    o.estopAckMs.clear();
    o.safety.estopAckMs.clear();
    return { robots: o.control.robotIds.length };
  });
  app.get('/api/status', {
    config: { role: 'viewer' },
    schema: { tags: ['server'], summary: 'server, robots and loop figures as measured', response: { 200: StatusSchema } },
  }, async () => {
    const [st, backend] = await Promise.all([o.control.status(), o.backend()]);
    return {
      name: 'takeover' as const, version: o.version, protocol: PROTOCOL_VERSION, uptimeS: (performance.now() - started) / 1000,
      backend, robots: st.robots,
      clients: o.broadcaster.sessions.size, framesDropped: o.broadcaster.dropped, schedulerOverruns: st.schedulerOverruns,
      recorder: o.recorderStats(),
      threads: o.threads(),
      controlThread: st.thread,
      memory: memoryNow(),
      estopAck: estopAck(o.estopAckMs),
      safetySocket: { port: o.safety.port(), estopAck: estopAck(o.safety.estopAckMs) },
    };
  });
};

/** The process's memory now, MiB (process.memoryUsage: the calling thread's heap, the process's RSS). */
function memoryNow(): { rssMiB: number; heapTotalMiB: number; heapUsedMiB: number; externalMiB: number; arrayBuffersMiB: number } {
  const m = process.memoryUsage();
  const mib = (b: number) => b / (1024 * 1024);
  return { rssMiB: mib(m.rss), heapTotalMiB: mib(m.heapTotal), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external), arrayBuffersMiB: mib(m.arrayBuffers) };
}
