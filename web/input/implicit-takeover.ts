import type { Mode } from '../../core/mode.ts';

/** What the implicit take-over needs to know of a robot at one moment. */
export interface RobotSnapshot {
  mode: Mode | null;
  /** operator id holding the lease, or null */
  lease: string | null;
  /** this console's operator id */
  me: string;
  /** the picture on screen is older than two ticks: nothing that moves the arm is sent */
  stale: boolean;
}

/** The operator's choice, per operator (docs/console.md "Implicit take-over"). */
export interface ImplicitSettings {
  /** moving the teleop input on an AUTONOMOUS robot takes it over */
  enabled: boolean;
  /** seconds without teleop input before this console hands back (0 = never) */
  handBackAfterS: number;
}

/**
 * What to do with teleop input this tick: `drive` (we hold the lease: send as usual), `take_over`
 * (send it with `takeOver: true`: the server takes the robot over first, or refuses), `ignore`.
 */
export type InputDecision = 'drive' | 'take_over' | 'ignore';

/** a take-over attempt that got no lease (lost frame, refusal) may be retried after this */
export const RETRY_MS = 1500;
/** the hand-back countdown shows in the last this many seconds */
export const COUNTDOWN_S = 5;

/**
 * The console's implicit take-over and idle hand-back, as a pure state machine on an injected
 * clock: feed it every teleop tick (`input`) and ask it whether to hand back (`handBackDue`).
 * It never sends anything itself and never asks for a lease someone else holds to be forced: a
 * held robot gets a plain attempt at most every RETRY_MS, which the server refuses.
 */
export class ImplicitTakeover {
  settings: ImplicitSettings;
  #lastInputAt = Number.NEGATIVE_INFINITY;
  #attemptAt: number | null = null;
  #holding = false;
  #handBackAt: number | null = null;

  constructor(readonly now: () => number, settings: ImplicitSettings = { enabled: false, handBackAfterS: 0 }) {
    this.settings = { ...settings };
  }

  /** One tick of teleop input: `active` when keys, sticks or the VR clutch are moving now. */
  input(active: boolean, r: RobotSnapshot): InputDecision {
    const t = this.now();
    this.#observe(r, t);
    if (!active) return this.#holding ? 'drive' : 'ignore';
    this.#lastInputAt = t;
    this.#handBackAt = null;
    if (this.#holding) return 'drive';
    if (r.lease === r.me || !this.settings.enabled || r.stale) return 'ignore';
    // AUTONOMOUS: the server takes it over; held by someone else: an attempt (one per RETRY_MS), so
    // the operator reads the server's refusal instead of wondering why nothing moves
    const tryable = (r.mode === 'AUTONOMOUS' && r.lease === null) || (r.lease !== null && r.mode !== 'ESTOP');
    if (!tryable) return 'ignore';
    if (this.#attemptAt !== null && t - this.#attemptAt < RETRY_MS) return 'ignore';
    this.#attemptAt = t;
    return 'take_over';
  }

  /** True once when this console should hand back: holding the lease, INTERVENING, idle for the set time. */
  handBackDue(r: RobotSnapshot): boolean {
    const t = this.now();
    this.#observe(r, t);
    const limitMs = this.settings.handBackAfterS * 1000;
    if (!this.#holding || !(limitMs > 0)) return false;
    // a hand back is on its way: ask again only if the lease is still ours a while later
    if (this.#handBackAt !== null && t - this.#handBackAt < Math.max(limitMs, RETRY_MS)) return false;
    if (t - this.#lastInputAt < limitMs) return false;
    this.#handBackAt = t;
    return true;
  }

  /** Seconds left before the idle hand back, only in its last COUNTDOWN_S seconds (else null). */
  countdownS(r: RobotSnapshot): number | null {
    const t = this.now();
    this.#observe(r, t);
    const limitMs = this.settings.handBackAfterS * 1000;
    if (!this.#holding || !(limitMs > 0) || this.#handBackAt !== null) return null;
    const left = Math.max(0, limitMs - (t - this.#lastInputAt)) / 1000;
    return left <= COUNTDOWN_S ? left : null;
  }

  /** Tracks the lease: gaining it starts the idle clock, losing it ends any hand back in flight. */
  #observe(r: RobotSnapshot, t: number): void {
    const holding = r.lease === r.me && r.mode === 'INTERVENING';
    if (holding && !this.#holding) {
      this.#lastInputAt = t;
      this.#attemptAt = null;
    }
    if (!holding) this.#handBackAt = null;
    this.#holding = holding;
  }
}
