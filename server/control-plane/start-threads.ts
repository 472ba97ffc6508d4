import { MessageChannel } from 'node:worker_threads';
import type { TakeoverConfig } from '../config/config-schema.ts';
import { SafetyListener, type SafetyListenerOptions } from '../safety/safety-listener.ts';
import { Doorbell } from './doorbell.ts';
import { WorkerControl, type WorkerControlOptions } from './worker-control.ts';

/** The control thread and the safety socket's thread, started together and joined. */
export interface ServerThreads {
  control: WorkerControl;
  /** null when the safety socket is switched off */
  safety: SafetyListener | null;
}

/**
 * Starts the control thread and, when enabled, the safety socket's thread at once (neither waits
 * for the other), and connects them over their own channel (docs/architecture.md "Threads").
 * When either fails the other is stopped before the error is thrown: nothing is left running.
 */
export async function startThreads(
  config: TakeoverConfig,
  control: WorkerControlOptions,
  safety: Omit<SafetyListenerOptions, 'config' | 'control' | 'bell'>,
): Promise<ServerThreads> {
  const channel = config.safetySocket.enabled ? new MessageChannel() : null;
  // with controlDoorbell both threads ring the control thread's bell after each message they post it
  const bell = config.controlDoorbell ? new Doorbell() : undefined;
  const [controlStart, safetyStart] = await Promise.allSettled([
    WorkerControl.create(config, { ...control, bell }),
    channel && SafetyListener.start({ ...safety, config, control: channel.port1, bell: bell?.buffer }),
  ]);
  if (controlStart.status === 'rejected' || safetyStart.status === 'rejected') {
    if (controlStart.status === 'fulfilled') await controlStart.value.stop();
    if (safetyStart.status === 'fulfilled') await safetyStart.value?.close();
    throw controlStart.status === 'rejected' ? controlStart.reason : (safetyStart as PromiseRejectedResult).reason;
  }
  if (channel) controlStart.value.connectSafety(channel.port2);
  return { control: controlStart.value, safety: safetyStart.value };
}
