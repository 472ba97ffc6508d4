import type { StepClass } from './step-labels.ts';

/** Who drove a run of steps, for timelines: the step classes grouped the way a person reads them. */
export type SegmentKind = 'policy' | 'operator' | 'demo' | 'rewound' | 'recovery' | 'idle';

export interface Segment {
  kind: SegmentKind;
  /** first and last step index of the run (inclusive), in recording order */
  fromStep: number;
  toStep: number;
  steps: number;
}

const KIND: Record<StepClass, SegmentKind> = {
  robot: 'policy',
  pre_intervention: 'policy',
  intervention: 'operator',
  demo: 'demo',
  rewound: 'rewound',
  recovery: 'recovery',
  idle: 'idle',
};

/** Runs of consecutive steps (recording order) of the same kind. */
export function segmentsOf(steps: readonly { step: number }[], classes: readonly StepClass[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < steps.length; i++) {
    const kind = KIND[classes[i]];
    const last = out.at(-1);
    if (last && last.kind === kind) {
      last.toStep = steps[i].step;
      last.steps++;
    } else {
      out.push({ kind, fromStep: steps[i].step, toStep: steps[i].step, steps: 1 });
    }
  }
  return out;
}
