import type { Step } from '../core/step.ts';
import { TOPICS, type EpisodeEvent } from './journal-schemas.ts';
import { decodeFloat64 } from './float64-base64.ts';

const decoder = new TextDecoder();

interface Parts {
  state?: Record<string, unknown>;
  proposed?: { action?: number[] | null };
  executed?: { action?: number[] | null };
}

/**
 * Joins a journal's messages back into Steps and events. A step is three messages written
 * into the same chunk (`/step`, `/action/proposed`, `/action/executed`); it is emitted once all
 * three are in. Messages must arrive in recording order (sequence or logTime order).
 */
export class JournalAssembler {
  #pending = new Map<number, Parts>();
  readonly events: EpisodeEvent[] = [];
  #source: string;

  constructor(source: string) {
    this.#source = source;
  }

  /** Feeds one message; returns the step it completed, if any. */
  add(topic: string, data: Uint8Array): Step | undefined {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${this.#source}: message on ${topic} is not JSON (${(err as Error).message})`);
    }
    if (topic === TOPICS.step || topic === TOPICS.proposed || topic === TOPICS.executed) {
      const index = msg.step;
      if (!Number.isInteger(index)) throw new Error(`${this.#source}: message on ${topic} has no step index`);
      let parts = this.#pending.get(index as number);
      if (!parts) this.#pending.set(index as number, (parts = {}));
      if (topic === TOPICS.step) parts.state = msg;
      else if (topic === TOPICS.proposed) parts.proposed = msg as Parts['proposed'];
      else parts.executed = msg as Parts['executed'];
      if (!parts.state || !parts.proposed || !parts.executed) return undefined;
      this.#pending.delete(index as number);
      // journals of version 2 leave null fields out; version 1 wrote them as null
      const { operatorId = null, policyVersion = null, physicsState } = parts.state as { operatorId?: string | null; policyVersion?: string | null; physicsState?: unknown };
      const step = { ...parts.state, operatorId, policyVersion, proposed: parts.proposed.action ?? null, executed: parts.executed.action ?? null } as Step;
      if (typeof physicsState === 'string') {
        try {
          step.physicsState = decodeFloat64(physicsState);
        } catch (err) {
          throw new Error(`${this.#source}: step ${String(index)}: ${(err as Error).message}`);
        }
      }
      return step;
    }
    this.events.push(msg as EpisodeEvent);
    return undefined;
  }

  /** Throws if some step never got all its messages (a damaged file). */
  finish(): void {
    if (this.#pending.size) {
      const ids = [...this.#pending.keys()].slice(0, 5).join(', ');
      throw new Error(`${this.#source}: ${this.#pending.size} step(s) incomplete (steps ${ids})`);
    }
  }
}
