import type { Clock } from '../../control/clock.ts';
import { InputDrainMark } from './input-drain-mark.ts';
import { assessHealth, type RosHealth } from './ros-health.ts';
import type { LinkState } from './rosbridge-client.ts';

/**
 * The staleness watchdog of a ROS arm: when its last joint state was read, up to when the input
 * has been read since (InputDrainMark: a stall of the server is not a stale arm), and the news
 * for the alerts: a change of readiness or of its reason, not a stale age that grows.
 */
export class RosHealthWatch {
  #clock: Clock;
  #staleAfter: number;
  #topic: string;
  #drain: InputDrainMark;
  #lastStateAt = -Infinity;
  #wasReady = false;
  #lastReason = '';
  #listeners: Array<(h: RosHealth) => void> = [];

  constructor(clock: Clock, staleAfter: number, topic: string) {
    this.#clock = clock;
    this.#staleAfter = staleAfter;
    this.#topic = topic;
    this.#drain = new InputDrainMark(clock);
  }

  /** Called when readiness or its reason changes, in the order registered. */
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
    if (h.ready === this.#wasReady && h.reason === this.#lastReason) return h;
    const readinessChanged = h.ready !== this.#wasReady;
    this.#wasReady = h.ready;
    this.#lastReason = h.reason;
    if (!readinessChanged && /^joint state stale: nothing/.test(h.reason)) return h; // the age ticks up; not news
    for (const fn of this.#listeners) fn(h);
    return h;
  }

  /** Stops asking for marks (the bridge disconnected). */
  stop(): void {
    this.#drain.stop();
  }
}
