import type { TokenConfig } from './config/config-schema.ts';
import type { Clock } from './control/clock.ts';
import type { RecorderPort } from './control/recorder-port.ts';
import type { Fleet } from './robots/fleet.ts';
import type { ControlPlane } from './control-plane/control-plane.ts';
import type { Broadcaster } from './ws/broadcaster.ts';
import type { ConnectionLimits } from './ws/connection-limits.ts';
import type { ServerHeartbeat } from './server-heartbeat.ts';

// What buildApp (server/app.ts) decorates the Fastify instance with, and the options it takes.

declare module 'fastify' {
  interface FastifyInstance {
    /** the robots' control side, in-process or on its own thread */
    control: ControlPlane;
    /** the in-process fleet (threads: false only; tests tick it by hand) */
    fleet: Fleet;
    broadcaster: Broadcaster;
    /** the open WebSocket connections and their caps */
    wsConnections: ConnectionLimits;
    /** the safety socket's port once it listens (docs/protocol.md "Safety socket"); null: not running */
    safetyPort: () => number | null;
    /** this server's id (stamped on its episodes; its row in a shared database's server registry) */
    serverId: string;
    /** this server's heartbeat in a shared database's server registry (null: no database) */
    serverHeartbeat: ServerHeartbeat | null;
  }
}

export interface AppOptions {
  /** the loops' clock (default: wall clock) */
  clock?: Clock;
  /** run the loops on the scheduler once ready (default: true with the wall clock, false otherwise: tests tick by hand) */
  schedule?: boolean;
  /** record into dataDir (default: config.record); tests pass a recorder double */
  recorder?: RecorderPort | null;
  /** scheduler busy-wait before each due tick, ms (default 1; benches compare) */
  spinMs?: number;
  /** state frame coalescing window, ms (default: a quarter of the fastest period with more than four robots, else 0) */
  coalesceMs?: number;
  /** a connection without hello is closed after this long (default: config.wsLimits.helloTimeoutMs) */
  helloTimeoutMs?: number;
  /**
   * run the control loops on their own worker thread (default: true when they run on the wall-clock
   * scheduler; tests that tick a manual clock run them in-process)
   */
  threads?: boolean;
  /** serve the policies API (versions, training jobs, swaps; loads tfjs) (default true) */
  policies?: boolean;
  /** called once when a first start generated an admin token */
  onTokenCreated?: (token: TokenConfig, file: string) => void;
}
