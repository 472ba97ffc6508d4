export type SegmentKind = 'policy' | 'operator' | 'demo' | 'rewound' | 'recovery' | 'hold';

/** A run of entries [from, to) of one kind; `steps` are the episode step indices it covers. */
export interface Segment {
  kind: SegmentKind;
  from: number;
  to: number;
}

export const SEGMENT_COLORS: Record<SegmentKind, string> = {
  policy: '#3d8bfd',
  operator: '#ff9f1c',
  demo: '#2fbf71',
  rewound: '#7a7f87',
  recovery: '#b46cff',
  hold: '#2f353d',
};

/** What a tick or recorded step says about who drove it. */
export interface StepSourceInfo {
  source: 'policy' | 'operator' | 'none' | string;
  mode?: string;
  recovery?: boolean;
}

/** The segment kind of one step. */
export function kindOf(s: StepSourceInfo): SegmentKind {
  if (s.recovery || s.mode === 'REWINDING') return 'recovery';
  if (s.source === 'policy') return 'policy';
  if (s.source === 'operator') return 'operator';
  return 'hold';
}

/** Collapses a sequence of kinds into runs. */
export function runsOf(kinds: readonly SegmentKind[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < kinds.length; i++) {
    const last = out[out.length - 1];
    if (last && last.kind === kinds[i] && last.to === i) last.to = i + 1;
    else out.push({ kind: kinds[i], from: i, to: i + 1 });
  }
  return out;
}

/**
 * The live timeline of one episode, in arrival order: every tick seen, with the step index it had.
 * When the step index goes back (a rewind), the ticks it undid turn 'rewound' but stay visible.
 */
export class LiveTimeline {
  episodeId: string | null = null;
  readonly kinds: SegmentKind[] = [];
  readonly steps: number[] = [];
  #lastStep = -1;
  /** undone ranges (toStep, fromStep] of this episode, from rewind events */
  #undone: Array<[number, number]> = [];

  constructor(readonly maxEntries = 20_000) {}

  /** Adds a tick; a new episode id starts over. */
  push(episodeId: string, step: number, info: StepSourceInfo): void {
    if (episodeId !== this.episodeId) this.reset(episodeId);
    if (step === this.#lastStep) return; // the same tick seen twice (rate-limited frames)
    if (step < this.#lastStep) this.markRewound(step - 1); // the state is back to just before `step`
    if (this.kinds.length >= this.maxEntries) return;
    // a frame can arrive after the rewind event that undid its step (the server sends events at
    // once and frames after the tick): it is history already
    this.kinds.push(this.#undone.some(([to, from]) => step > to && step <= from) ? 'rewound' : kindOf(info));
    this.steps.push(step);
    this.#lastStep = step;
  }

  /** Ticks after `toStep` (up to `fromStep`, when given) that are still live become 'rewound'. */
  markRewound(toStep: number, fromStep = Number.POSITIVE_INFINITY): void {
    for (let i = 0; i < this.kinds.length; i++) {
      if (this.steps[i] > toStep && this.steps[i] <= fromStep && this.kinds[i] !== 'rewound') this.kinds[i] = 'rewound';
    }
  }

  /**
   * A `rewind` event (any operator's): steps toStep+1..fromStep of that episode were undone.
   * Bounded by fromStep because step indices keep counting after a rewind, so ticks that arrived
   * before the event may already be past it. Returns false for another episode.
   */
  applyRewind(episodeId: string, fromStep: number, toStep: number): boolean {
    if (episodeId !== this.episodeId || !(fromStep > toStep)) return false;
    this.#undone.push([toStep, fromStep]);
    this.markRewound(toStep, fromStep);
    return true;
  }

  reset(episodeId: string | null): void {
    this.episodeId = episodeId;
    this.kinds.length = 0;
    this.steps.length = 0;
    this.#lastStep = -1;
    this.#undone = [];
  }

  segments(): Segment[] {
    return runsOf(this.kinds);
  }

  /** The episode step shown at a fraction [0, 1] of the timeline (for scrubbing), or null if empty. */
  stepAt(fraction: number): number | null {
    if (this.steps.length === 0) return null;
    const i = Math.min(this.steps.length - 1, Math.max(0, Math.floor(fraction * this.steps.length)));
    return this.steps[i];
  }

  /**
   * The step a scrub released at `fraction` of the ticks should rewind to, or null at the live end
   * (the last tick or past it): the robot has moved on since that tick was drawn, so "rewinding" to
   * it would undo the newest steps the operator meant to keep.
   */
  rewindTargetAt(fraction: number): number | null {
    if (this.steps.length === 0 || fraction * this.steps.length >= this.steps.length - 1) return null;
    return this.stepAt(fraction);
  }
}

/** Recorded segments (the API's runs in recording order) as [from, to) ranges over the steps array. */
export function segmentsFromApi(api: readonly { kind: string; steps: number }[]): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const s of api) {
    const kind: SegmentKind = s.kind === 'idle' ? 'hold' : (s.kind as SegmentKind);
    out.push({ kind, from: at, to: at + s.steps });
    at += s.steps;
  }
  return out;
}

/** The kind of each of `n` entries, from segments over them ('hold' where none covers one). */
export function stepKinds(segments: readonly Segment[], n: number): SegmentKind[] {
  const out: SegmentKind[] = new Array(n).fill('hold');
  for (const s of segments) for (let i = Math.max(0, s.from); i < Math.min(n, s.to); i++) out[i] = s.kind;
  return out;
}

/** The kinds that occur in segments, in legend order. */
export function kindsPresent(segments: readonly Segment[]): SegmentKind[] {
  const seen = new Set(segments.filter((s) => s.to > s.from).map((s) => s.kind));
  return (Object.keys(SEGMENT_COLORS) as SegmentKind[]).filter((k) => seen.has(k));
}
