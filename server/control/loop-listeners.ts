import type { LoopEvent } from './control-loop-options.ts';

/** Subscribers of one control loop: after-tick, after-observe (before commanding), and events. */
export class LoopListeners<L> {
  readonly tick: Array<(loop: L) => void> = [];
  readonly observe: Array<(loop: L) => void> = [];
  readonly event: Array<(e: LoopEvent) => void> = [];

  /** Calls every listener of a kind with the loop. */
  run(kind: 'tick' | 'observe', loop: L): void {
    for (const fn of this[kind]) fn(loop);
  }

  /** Tells every event listener. */
  emit(e: LoopEvent): void {
    for (const fn of this.event) fn(e);
  }
}
