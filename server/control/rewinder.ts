import type { RobotBridge } from '../robots/robot-bridge.ts';
import { isRestorable } from '../robots/bridge-extras.ts';
import { DriveBack } from './drive-back.ts';
import { RewindBuffer, type RewindTarget } from './rewind-buffer.ts';

export type RewindStart =
  | { ok: true; how: 'restore' | 'drive_back'; toStep: number; seconds: number }
  | { ok: false; message: string };

/**
 * Rewind for one robot: remembers the last `horizonSeconds` of ticks, then either
 * restores the exact state of a sim robot or drives a real arm back along its joint path.
 */
export class Rewinder {
  readonly buffer: RewindBuffer;
  readonly #bridge: RobotBridge;
  #drive: DriveBack | null = null;

  constructor({ bridge, rateHz, horizonSeconds = 60 }: { bridge: RobotBridge; rateHz: number; horizonSeconds?: number }) {
    this.#bridge = bridge;
    this.buffer = new RewindBuffer({ horizonSeconds, rateHz, dof: bridge.features.jointNames.length });
  }

  /** A real-arm drive-back is under way. */
  get drivingBack(): boolean {
    return this.#drive !== null;
  }

  /** Remembers the start of step `step` (call after observing, before commanding). */
  capture(step: number, t: number, q: ArrayLike<number>): void {
    if (this.#drive) return; // the drive-back retraces history; it does not make new history to rewind to
    const b = this.#bridge;
    this.buffer.push(step, t, q, isRestorable(b) ? b.snapshot(this.buffer.evictable()) : null);
  }

  /**
   * Starts a rewind: sim robots are restored at once, real arms get a drive-back path played by
   * `next`. `currentStep` is the step being recorded now (it is undone too).
   */
  start(target: RewindTarget, currentStep: number): RewindStart {
    if ('toStep' in target && !(Number.isInteger(target.toStep) && target.toStep >= 0)) return { ok: false, message: `toStep must be a step index >= 0, got ${target.toStep}` };
    if ('seconds' in target && !(target.seconds > 0)) return { ok: false, message: `seconds must be > 0, got ${target.seconds}` };
    if ('toStep' in target && target.toStep >= currentStep) return { ok: false, message: `step ${target.toStep} is not in the past (current step ${currentStep})` };
    const entry = this.buffer.find(target);
    const oldest = this.buffer.oldestStep;
    if (!entry && 'toStep' in target && oldest !== null && target.toStep >= oldest) {
      // inside the remembered range but not in effect: an earlier rewind undid it
      return { ok: false, message: `step ${target.toStep} was undone by an earlier rewind; rewind to a step still in effect (the episode's state frames show them)` };
    }
    if (!entry) {
      return { ok: false, message: `nothing to rewind to: ${describe(target)} is beyond the ${this.buffer.horizonAvailable.toFixed(1)} s remembered` };
    }
    const newest = this.buffer.find({ seconds: 0 })!;
    const seconds = newest.t - entry.t;
    const b = this.#bridge;
    if (isRestorable(b) && entry.snapshot) {
      b.restore(entry.snapshot);
      this.buffer.truncateAfter(entry.step - 1); // the restored step will be captured again
      return { ok: true, how: 'restore', toStep: entry.step - 1, seconds };
    }
    this.#drive = new DriveBack(this.buffer.pathBack(entry.step), entry.step);
    this.buffer.truncateAfter(entry.step - 1);
    return { ok: true, how: 'drive_back', toStep: entry.step - 1, seconds };
  }

  /** Next drive-back joint target, or null when the drive-back is over (then the operator corrects). */
  next(measured: ArrayLike<number>): Float64Array | null {
    const q = this.#drive?.next(measured) ?? null;
    if (!q) this.#drive = null;
    return q;
  }

  /** Abandons any drive-back (e-stop, pause, operator gone). */
  cancel(): void {
    this.#drive = null;
  }

  /** New episode: nothing before it can be rewound to. */
  clear(): void {
    this.#drive = null;
    this.buffer.clear();
  }
}

function describe(t: RewindTarget): string {
  return 'toStep' in t ? `step ${t.toStep}` : `${t.seconds} s back`;
}
