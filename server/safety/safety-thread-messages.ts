import type { MessagePort } from 'node:worker_threads';
import type { TokenRecord } from '../auth/token-store.ts';
import type { WsLimits } from '../config/config-schema.ts';
import type { ThreadPriority } from '../control-plane/thread-priority.ts';

/** What the safety socket's thread is started with (workerData). */
export interface SafetyWorkerData {
  host: string;
  port: number;
  tls: { cert: Buffer; key: Buffer } | null;
  /** the tokens as digests, and the tokens file to re-read when it changes (null: configured tokens) */
  tokens: { records: TokenRecord[]; file: string | null };
  robots: string[];
  limits: WsLimits;
  maxConnections: number;
  maxBufferBytes: number;
  allowedOrigins: string[];
  /** niceness of the thread */
  nice: number;
  /** the safety end of the channel to the control thread */
  control: MessagePort;
  /** the control thread's doorbell, rung after each message posted to it */
  bell?: SharedArrayBuffer;
}

/** Safety thread -> network thread. */
export type FromSafety =
  | { t: 'listening'; port: number; priority: ThreadPriority }
  | { t: 'failed'; message: string }
  | { t: 'estop_ack'; ms: number }
  | { t: 'log'; level: 'error' | 'warn' | 'info'; msg: string }
  | { t: 'closed' };

/** Network thread -> safety thread. */
export type ToSafety = { t: 'close' };
