import { Type, type Static } from '@sinclair/typebox';
import type { HelpRequest } from '../../protocol/messages.ts';

/** What a robot does while its policy asks for help (per robot, docs/configuration.md `help`). */
export const HelpConfigSchema = Type.Object(
  {
    action: Type.Optional(Type.Union([Type.Literal('notify'), Type.Literal('slow'), Type.Literal('pause')], {
      description: "'notify' (carry on, ask), 'slow' (carry on with actions scaled by slowScale), 'pause' (hold in PAUSED until answered)",
    })),
    slowScale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "action scale while a 'slow' request is open" })),
    timeoutS: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86400, description: 'an unanswered request closes as timed_out after this long, s' })),
    minTicks: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'consecutive ticks above (to raise) and below (to re-arm) the threshold' })),
    rearmS: Type.Optional(Type.Number({ minimum: 0, maximum: 3600, description: 'after a request closes (answered, dismissed, timed out), no new one until the policy has driven this long, s; 0: only the threshold hysteresis' })),
  },
  { additionalProperties: false },
);
export type HelpConfig = Static<typeof HelpConfigSchema>;

export const HELP_DEFAULTS: Required<HelpConfig> = { action: 'notify', slowScale: 0.3, timeoutS: 30, minTicks: 3, rearmS: 0 };

/** How an open request ended. */
export type HelpAnswer = 'taken_over' | 'dismissed' | 'timed_out' | 'episode_end';

/** The score of one tick, as the policy slot reports it. */
export interface HelpScore {
  score: number;
  threshold: number;
  method: string;
  /** false: recorded, but does not raise requests (absent: raises) */
  raises?: boolean;
  /** the ensemble disagreement of the same tick, for versions with one (policies/help-model.ts) */
  ensemble?: HelpScore;
  /** the learned risk of failure of the same tick, for versions with one (policies/risk-model.ts) */
  risk?: HelpScore;
}

/**
 * Turns per-tick uncertainty scores into help requests (docs/architecture.md "Help requests").
 * Hysteresis: a request is raised after `minTicks` consecutive ticks above the version's
 * threshold, and once one closes (answered, dismissed, timed out) no new one is raised until the
 * score has been at or below the threshold for `minTicks` ticks, or a new episode starts; so a
 * dismissed request is not raised again at once for the same unfamiliar state; with `rearmS`, none
 * is raised until the policy has driven that long since the last one closed either (a robot just
 * corrected and handed back is not asked about again at once). Pure logic: the loop applies what it returns.
 */
export class HelpMonitor {
  readonly config: Required<HelpConfig>;
  #open: HelpRequest | null = null;
  #openedAt = 0;
  #above = 0;
  #below = 0;
  #armed = true;
  /** seconds the policy must still drive before a new request (rearmS after one closes) */
  #quiet = 0;
  /** the clock of the last scoring tick while quiet (null: none since the quiet began or paused) */
  #quietPrev: number | null = null;

  constructor(config: HelpConfig = {}) {
    this.config = { ...HELP_DEFAULTS, ...stripUndefined(config) };
  }

  /** The open request, or null. */
  get open(): HelpRequest | null {
    return this.#open;
  }

  /** Actions are scaled by this now (1 unless a 'slow' request is open). */
  get actionScale(): number {
    return this.#open?.action === 'slow' ? this.config.slowScale : 1;
  }

  /**
   * One tick: `s` is this tick's score (null: none, e.g. a version without a help model), `now`
   * the loop clock (s), `wallMs` the server's epoch time, `scoring` whether the policy drives (or
   * waits on this request). Returns 'raised' or 'timed_out' when that happened this tick.
   */
  tick(s: HelpScore | null, now: number, wallMs: number, scoring: boolean): 'raised' | 'timed_out' | null {
    if (this.#open) {
      if (now - this.#openedAt >= this.config.timeoutS) {
        this.close();
        return 'timed_out';
      }
      if (scoring && s) this.#followOpen(s);
      return null;
    }
    if (this.#quiet > 0) {
      if (!scoring) this.#quietPrev = null;
      else {
        if (this.#quietPrev !== null) this.#quiet -= now - this.#quietPrev;
        this.#quietPrev = now;
      }
    }
    const novelty = raising(s);
    const ensemble = raising(s?.ensemble);
    const risk = raising(s?.risk);
    if (!scoring || (!novelty && !ensemble && !risk)) {
      this.#above = 0;
      return null;
    }
    const crossed = furthestOver(novelty, ensemble, risk);
    if (crossed) {
      this.#above++;
      this.#below = 0;
    } else {
      this.#below++;
      this.#above = 0;
      if (this.#below >= this.config.minTicks) this.#armed = true;
    }
    if (!crossed || !this.#armed || this.#above < this.config.minTicks || this.#quiet > 0) return null;
    this.#open = {
      reason: `${scoreName(crossed.method)} ${crossed.score.toFixed(3)} > ${crossed.threshold.toFixed(3)} for ${this.#above} ticks`,
      score: crossed.score, threshold: crossed.threshold, since: wallMs, action: this.config.action,
    };
    this.#openedAt = now;
    this.#armed = false;
    this.#above = 0;
    return 'raised';
  }

  /**
   * While a request is open and the policy drives (a robot that carries on while it asks), marks
   * it `over: false` once its score has been under the threshold for `minTicks` ticks (it
   * recovered since it asked; the attention queue puts it after those still over), and over again
   * after `minTicks` ticks above. A held robot is not scored: its request keeps its last word.
   */
  #followOpen(s: HelpScore): void {
    const open = this.#open!;
    if (crossedScore(s)) {
      this.#below = 0;
      if (++this.#above >= this.config.minTicks && open.over === false) delete open.over;
    } else {
      this.#above = 0;
      if (++this.#below >= this.config.minTicks) open.over = false;
    }
  }

  /** Closes the open request (the caller records why); returns it, or null when none was open. */
  close(): HelpRequest | null {
    const r = this.#open;
    this.#open = null;
    this.#above = 0;
    this.#below = 0;
    if (r) {
      this.#quiet = this.config.rearmS;
      this.#quietPrev = null;
    }
    return r;
  }

  /** A new episode: nothing open, armed again. */
  reset(): void {
    this.close();
    this.#armed = true;
    this.#quiet = 0;
  }
}

/**
 * Of one tick's raising scores (novelty, ensemble disagreement, failure risk), the one a request
 * would be raised on: the furthest over its threshold; null when none is over.
 */
export function crossedScore(s: HelpScore | null): HelpScore | null {
  return furthestOver(raising(s), raising(s?.ensemble), raising(s?.risk));
}

/** Of the raising scores, the one furthest over its threshold; null when none is over. */
function furthestOver(novelty: HelpScore | null, ensemble: HelpScore | null, risk: HelpScore | null): HelpScore | null {
  return moreOver(moreOver(novelty, ensemble), risk);
}

/** The score if it raises requests and is a number, else null. */
function raising(s: HelpScore | null | undefined): HelpScore | null {
  return s && s.raises !== false && Number.isFinite(s.score) ? s : null;
}

/** Of the scores above their threshold, the one furthest over it (relative); null when none is. */
function moreOver(a: HelpScore | null, b: HelpScore | null): HelpScore | null {
  const aOver = a !== null && a.score > a.threshold;
  const bOver = b !== null && b.score > b.threshold;
  if (aOver && bOver) return a!.score * b!.threshold >= b!.score * a!.threshold ? a : b;
  return aOver ? a : bOver ? b : null;
}

/** How a request's reason names a score: 'ensemble disagreement', 'failure risk', or '<method> novelty'. */
function scoreName(method: string): string {
  if (method === 'ensemble-disagreement') return 'ensemble disagreement';
  return method === 'failure-risk' ? 'failure risk' : `${method} novelty`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
