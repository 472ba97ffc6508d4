import type { Clock } from '../../control/clock.ts';
import { InputDrainMark } from './input-drain-mark.ts';
import { assessHealth, type RosHealth } from './ros-health.ts';
import type { LinkState } from './rosbridge-client.ts';
import type { ObjectPoseSources } from './object-pose-sources.ts';

/**
 * The staleness watchdog of a ROS arm: when its last joint state was read, up to when the input
 * has been read since (InputDrainMark: a stall of the server is not a stale arm), the freshness
 * of the object poses judged the same way, and the news for the alerts: a change of readiness or
 * of its cause (arm or object poses), not a stale age that grows.
 */
export class RosHealthWatch {
  #clock: Clock;
  #staleAfter: number;
  #topic: string;
  #drain: InputDrainMark;
  #lastStateAt = -Infinity;
  #wasReady = false;
  #lastCause = '';
  #lastInputsCause = '';
  #objects: ObjectPoseSources | null;
  #listeners: Array<(h: RosHealth) => void> = [];

  constructor(clock: Clock, staleAfter: number, topic: string, objects: ObjectPoseSources | null = null) {
    this.#clock = clock;
    this.#objects = objects;
    this.#staleAfter = staleAfter;
    this.#topic = topic;
    this.#drain = new InputDrainMark(clock);
  }

  /** Called when readiness or its cause changes (the arm's or the object poses'), in the order registered. */
  onChange(fn: (h: RosHealth) => void): void {
    this.#listeners.push(fn);
  }

  /** A joint state of the arm has just been read. */
  stateRead(): void {
    this.#lastStateAt = this.#clock.now();
    // if this is the last one, the input is read again just after it turns stale, so the silence is
    // judged at the first tick past staleAfter (the marks the ticks ask for would show it a tick later)
    this.#drain.requestIn(this.#staleAfter);
  }

  /** Judges readiness now (`link` 'closed' when the bridge is not connected) and tells the listeners if it is news. */
  judge(link: LinkState, awaitingResume: boolean): RosHealth {
    if (link !== 'closed') this.#drain.request(); // the next judgement (next tick) reads up to a later time
    const h = assessHealth({
      link, now: this.#clock.now(), drainedAt: this.#drain.drainedAt, lastStateAt: this.#lastStateAt,
      staleAfter: this.#staleAfter, awaitingResume, topic: this.#topic,
    });
    if (this.#objects) h.policyInputs = this.#objects.judge(Math.min(this.#clock.now(), this.#drain.drainedAt));
    // a stale age that ticks up is the same cause: not news
    if (h.ready === this.#wasReady && h.cause === this.#lastCause && h.policyInputs.cause === this.#lastInputsCause) return h;
    this.#wasReady = h.ready;
    this.#lastCause = h.cause;
    this.#lastInputsCause = h.policyInputs.cause;
    for (const fn of this.#listeners) fn(h);
    return h;
  }

  /** Stops asking for marks (the bridge disconnected). */
  stop(): void {
    this.#drain.stop();
  }
}
