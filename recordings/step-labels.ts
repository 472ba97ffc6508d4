import type { Mode, Source } from '../core/mode.ts';

/** Sirius's `action_modes` values (robomimic HDF5): who produced each sample. */
export const ACTION_MODES = { demo: -1, robot: 0, intervention: 1 } as const;
/** Sirius's `intv_labels` values: `action_modes` plus -10 on the window before each intervention onset. */
export const INTV_LABELS = { demo: -1, robot: 0, intervention: 1, preIntervention: -10 } as const;
/** Robot steps labelled pre-intervention before each onset (Sirius uses 15). */
export const PRE_INTERVENTION_WINDOW = 15;

/**
 * Training class of one recorded step (docs/recordings.md).
 * `idle` is a step where nothing ran (source 'none': paused, e-stopped, policy late): it has
 * no executed action to learn from, so it never trains and the pre-intervention window walks
 * past it without counting it.
 */
export type StepClass = 'demo' | 'robot' | 'intervention' | 'pre_intervention' | 'rewound' | 'recovery' | 'idle';

/** The fields of a step that decide its class. */
export interface LabelInput {
  step: number;
  source: Source;
  mode: Mode;
  recovery?: boolean;
}

/** The only episode event the labels depend on: steps toStep+1..fromStep were undone. */
export interface RewindEvent {
  type: 'rewind';
  fromStep: number;
  toStep: number;
}

export interface StepLabel {
  cls: StepClass;
  /** Sirius `action_modes` value, null for classes Sirius has no value for (rewound, recovery, idle) */
  actionMode: number | null;
  /** Sirius `intv_labels` value, null likewise */
  intvLabel: number | null;
  /** whether the step is a training sample under the options given */
  train: boolean;
}

export interface LabelOptions {
  /** robot steps marked pre-intervention before each onset (default 15) */
  window?: number;
  /** train on steps a rewind undid (default false: the operator rejected them) */
  includeRewound?: boolean;
  /** train on the automatic drive-back of a real-robot rewind (default false) */
  includeRecovery?: boolean;
  /**
   * which steps get the pre-intervention window when the operator rewound right before taking
   * over (docs/training.md, "Pre-intervention after a rewind"):
   * - 'kept' (default): the robot steps still in effect before the onset, i.e. before the rewind
   *   target (states the operator chose to keep);
   * - 'undone': the robot steps the rewind undid, most recent first (the behaviour that failed);
   *   they become training samples labelled pre-intervention instead of rewound;
   * - 'none': no window; the undone steps stay rewound (excluded), the kept ones stay robot.
   * Onsets not preceded by a rewind are labelled the same way under all three.
   */
  preInterventionAfterRewind?: PreInterventionAfterRewind;
}

export const PRE_INTERVENTION_AFTER_REWIND = ['kept', 'undone', 'none'] as const;
export type PreInterventionAfterRewind = (typeof PRE_INTERVENTION_AFTER_REWIND)[number];

/**
 * Derives the training class of every step, in the order given (recording order, step indices
 * strictly increasing). `events` may hold any episode events; only rewinds are used. A rewind
 * `{ fromStep, toStep }` happens after step `fromStep` was recorded and undoes every step still in
 * effect with an index above `toStep` (toStep = -1 rewinds to the reset state). Undone steps are
 * `rewound` whatever their source: a rewound correction was rejected by the operator too.
 * Pre-intervention walks back along the trajectory in effect at the onset (skipping undone,
 * idle and recovery steps) and stops at an earlier intervention step.
 */
export function labelSteps(
  steps: readonly LabelInput[],
  events: readonly { type: string; [k: string]: unknown }[],
  kind: 'policy' | 'demo',
  opts: LabelOptions = {},
): StepLabel[] {
  const window = opts.window ?? PRE_INTERVENTION_WINDOW;
  if (!Number.isInteger(window) || window < 0) throw new RangeError(`labelSteps: window must be a whole number >= 0, got ${window}`);
  const afterRewind = opts.preInterventionAfterRewind ?? 'kept';
  if (!(PRE_INTERVENTION_AFTER_REWIND as readonly string[]).includes(afterRewind)) {
    throw new RangeError(`labelSteps: preInterventionAfterRewind must be one of ${PRE_INTERVENTION_AFTER_REWIND.join(', ')}, got ${String(afterRewind)}`);
  }
  const rewinds = rewindsOf(events);
  const n = steps.length;
  const cls: StepClass[] = new Array(n);
  const prev = new Int32Array(n).fill(-1); // position of the step in effect just before this one
  const path: number[] = []; // positions of the steps currently in effect
  // positions undone by rewinds since the last acting step (idle and drive-back steps do not
  // count), most recent first, stored at the next acting step
  const undoneBefore = new Map<number, number[]>();
  let pending: number[] = [];
  let r = 0;
  for (let i = 0; i < n; i++) {
    const s = steps[i];
    if (i > 0 && !(s.step > steps[i - 1].step)) {
      throw new RangeError(`labelSteps: step indices must increase, got ${steps[i - 1].step} then ${s.step} at position ${i}`);
    }
    while (r < rewinds.length && rewinds[r].fromStep < s.step) undo(path, steps, cls, rewinds[r++].toStep, pending);
    cls[i] = baseClass(s, kind);
    if (cls[i] !== 'idle' && cls[i] !== 'recovery') {
      if (pending.length) undoneBefore.set(i, pending);
      pending = [];
    }
    prev[i] = path.length ? path[path.length - 1] : -1;
    path.push(i);
  }
  while (r < rewinds.length) undo(path, steps, cls, rewinds[r++].toStep, []);

  for (let i = 0; i < n; i++) {
    if (cls[i] !== 'intervention' || (prev[i] >= 0 && cls[prev[i]] === 'intervention')) continue;
    const undone = undoneBefore.get(i);
    if (undone && afterRewind !== 'kept') {
      if (afterRewind === 'undone') markUndone(undone, steps, kind, cls, window);
      continue;
    }
    let marked = 0;
    for (let j = prev[i]; j >= 0 && marked < window; j = prev[j]) {
      const c = cls[j];
      if (c === 'intervention' || c === 'demo') break;
      if (c === 'robot') {
        cls[j] = 'pre_intervention';
        marked++;
      }
    }
  }
  return cls.map((c) => toLabel(c, opts));
}

/** Counts the catalog keeps: onsets of intervention still in effect, their step indices, and intervention steps. */
export function summarizeLabels(
  labels: readonly StepLabel[],
  steps: readonly { step: number }[],
): { interventionCount: number; interventionSteps: number; interventionOnsets: number[] } {
  const interventionOnsets: number[] = [];
  let interventionSteps = 0;
  let inRun = false;
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i].cls;
    if (c === 'intervention') {
      interventionSteps++;
      if (!inRun) interventionOnsets.push(steps[i].step);
      inRun = true;
    } else if (c !== 'idle' && c !== 'rewound') {
      inRun = false;
    }
  }
  return { interventionCount: interventionOnsets.length, interventionSteps, interventionOnsets };
}

function baseClass(s: LabelInput, kind: 'policy' | 'demo'): StepClass {
  if (s.recovery) return 'recovery';
  if (s.source === 'none') return 'idle';
  if (kind === 'demo') return 'demo';
  return s.source === 'operator' ? 'intervention' : 'robot';
}

function undo(path: number[], steps: readonly LabelInput[], cls: StepClass[], toStep: number, undone: number[]): void {
  while (path.length && steps[path[path.length - 1]].step > toStep) {
    const j = path.pop()!;
    cls[j] = 'rewound';
    undone.push(j);
  }
}

/** 'undone' option: the undone robot steps nearest the rewind (most recent first) become pre-intervention. */
function markUndone(undone: readonly number[], steps: readonly LabelInput[], kind: 'policy' | 'demo', cls: StepClass[], window: number): void {
  let marked = 0;
  for (const j of undone) {
    if (marked >= window) break;
    const c = baseClass(steps[j], kind);
    if (c === 'intervention' || c === 'demo') break;
    if (c === 'robot') {
      cls[j] = 'pre_intervention';
      marked++;
    }
  }
}

function rewindsOf(events: readonly { type: string; [k: string]: unknown }[]): RewindEvent[] {
  const out: RewindEvent[] = [];
  for (const e of events) {
    if (e.type !== 'rewind') continue;
    const { fromStep, toStep } = e;
    if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || (toStep as number) < -1 || (toStep as number) > (fromStep as number)) {
      throw new RangeError(`labelSteps: rewind needs whole numbers -1 <= toStep <= fromStep, got fromStep=${String(fromStep)} toStep=${String(toStep)}`);
    }
    out.push({ type: 'rewind', fromStep: fromStep as number, toStep: toStep as number });
  }
  // Stable: rewinds at the same step keep their recorded order.
  return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.fromStep - b.e.fromStep || a.i - b.i).map((x) => x.e);
}

function toLabel(cls: StepClass, opts: LabelOptions): StepLabel {
  switch (cls) {
    case 'demo':
      return { cls, actionMode: ACTION_MODES.demo, intvLabel: INTV_LABELS.demo, train: true };
    case 'robot':
      return { cls, actionMode: ACTION_MODES.robot, intvLabel: INTV_LABELS.robot, train: true };
    case 'intervention':
      return { cls, actionMode: ACTION_MODES.intervention, intvLabel: INTV_LABELS.intervention, train: true };
    case 'pre_intervention':
      return { cls, actionMode: ACTION_MODES.robot, intvLabel: INTV_LABELS.preIntervention, train: true };
    case 'rewound':
      return { cls, actionMode: null, intvLabel: null, train: Boolean(opts.includeRewound) };
    case 'recovery':
      return { cls, actionMode: null, intvLabel: null, train: Boolean(opts.includeRecovery) };
    case 'idle':
      return { cls, actionMode: null, intvLabel: null, train: false };
  }
}

/**
 * The steps an export writes: labelled to train and with an executed action. `skip` names why an
 * episode yields none (exports list it instead of writing an empty demo).
 */
export function exportableSteps(
  steps: readonly (LabelInput & { executed: unknown })[],
  events: readonly { type: string; [k: string]: unknown }[],
  kind: 'policy' | 'demo',
  opts: LabelOptions = {},
): { labels: StepLabel[]; keep: number[]; skip: string | null } {
  const labels = labelSteps(steps, events, kind, opts);
  const keep = labels.flatMap((l, i) => (l.train && steps[i].executed !== null ? [i] : []));
  const skip = keep.length > 0 ? null : steps.length ? 'no step to train on (all idle, rewound or recovery)' : 'no steps';
  return { labels, keep, skip };
}
