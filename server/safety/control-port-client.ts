import type { MessagePort } from 'node:worker_threads';
import type { Actor } from '../control/arbiter.ts';
import type { Refusal } from '../control/control-loop.ts';
import { Doorbell } from '../control-plane/doorbell.ts';
import type { FromControl, SafetyToControl } from '../control-plane/thread-messages.ts';

/**
 * The safety socket's end of its channel to the control thread: posts e-stops, pauses and signs of
 * life, and matches the answers (a `refusals` batch) to the commands by id.
 */
export class ControlPortClient {
  #port: MessagePort;
  #bell: Doorbell | null;
  #pending = new Map<number, (r: Refusal | null) => void>();
  #nextId = 1;

  /** `bell`: the control thread's doorbell, rung after each message so that its pre-tick sleep ends for it */
  constructor(port: MessagePort, bell: SharedArrayBuffer | null = null) {
    this.#port = port;
    this.#bell = bell && new Doorbell(bell);
    port.on('message', (m: FromControl) => {
      if (m.t !== 'refusals') return;
      for (const r of m.replies) {
        const done = this.#pending.get(r.id);
        this.#pending.delete(r.id);
        done?.(r.refusal);
      }
    });
  }

  /** commands still waiting for their answer */
  get pending(): number {
    return this.#pending.size;
  }

  /** Sends an e-stop or pause; resolves with the control thread's refusal, or null when it landed. */
  command(robot: string, actor: Actor, cmd: { type: 'estop' | 'pause'; robot: string; press?: string }, at: number): Promise<Refusal | null> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#post({ t: 'cmd', id, robot, actor, cmd, at });
    });
  }

  /** A sign of life of an operator (feeds the robots' heartbeat watchdogs). */
  alive(operatorId: string): void {
    this.#post({ t: 'alive', operatorId });
  }

  #post(m: SafetyToControl): void {
    this.#port.postMessage(m);
    this.#bell?.ring();
  }

  /** Answers every command still waiting with a refusal (the channel is closing). */
  close(reason: string): void {
    for (const done of this.#pending.values()) done({ code: 'TKO_ERR_INTERNAL', message: reason });
    this.#pending.clear();
    this.#port.close();
  }
}
