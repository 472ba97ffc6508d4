/**
 * Per-sample loss weights for weighted behavioral cloning (docs/training.md,
 * after Sirius). Pure functions over Sirius class labels; the trainer multiplies each
 * sample's loss by its weight, sampling stays uniform.
 */

/** Sirius class values, as in its `intv_labels` array (and recordings/step-labels.ts). */
export const SIRIUS_CLASS = { demo: -1, robot: 0, intervention: 1, preIntervention: -10 } as const;
export type SiriusClassName = keyof typeof SIRIUS_CLASS;

export const WEIGHTINGS = ['sirius', 'iwr', 'none'] as const;
export type Weighting = (typeof WEIGHTINGS)[number];

/** Sirius's fixed targets: interventions carry half the total weight, pre-intervention steps 0.2%. */
export const SIRIUS_INTERVENTION_SHARE = 0.5;
export const SIRIUS_PRE_INTERVENTION_SHARE = 0.002;

export type ClassCounts = Record<SiriusClassName, number>;
export type ClassWeights = Record<SiriusClassName, number>;

export interface WeightOptions {
  /** steps a rewind undid; excluded (weight 0) unless includeRewound */
  rewound?: ArrayLike<boolean | number>;
  includeRewound?: boolean;
}

const NAMES: SiriusClassName[] = ['demo', 'robot', 'intervention', 'preIntervention'];

/** Maps a Sirius label value to its class name, or throws naming the bad value and its index. */
export function classOf(label: number, index = -1): SiriusClassName {
  switch (label) {
    case -1:
      return 'demo';
    case 0:
      return 'robot';
    case 1:
      return 'intervention';
    case -10:
      return 'preIntervention';
    default:
      throw new Error(`sample ${index}: label ${label} is not a Sirius class (-1 demo, 0 robot, 1 intervention, -10 pre-intervention)`);
  }
}

/** Counts the included samples of each class. */
export function countClasses(labels: ArrayLike<number>, included: (i: number) => boolean = () => true): ClassCounts {
  const c: ClassCounts = { demo: 0, robot: 0, intervention: 0, preIntervention: 0 };
  for (let i = 0; i < labels.length; i++) if (included(i)) c[classOf(labels[i], i)]++;
  return c;
}

/**
 * Sirius per-class weights from class counts. Demos keep weight 1 (their natural share of the
 * total, as in the reference); the rest of the weight, 1 - r_demo, is split over the non-demo
 * classes with Sirius's fixed shares computed over non-demo data: interventions 0.5, pre-
 * intervention 0.002, robot 0.498. With r'_c the share of class c among non-demo samples,
 * w_c = s_c / r'_c for those classes, so w_intv = 0.5 / r'_intv, w_robot = 0.498 / r'_robot.
 * Without demos this is the reference formula exactly. Where the reference takes the shares over
 * all data (s_robot = 1 - 0.5 - r_demo - 0.002), demos above 49.8% leave robot steps a negative
 * share; computing them over non-demo data keeps robot steps weighted however many demos there
 * are (docs/training.md). An empty class gets weight 0 and the shares of the non-demo classes
 * present are rescaled to sum to 1, so the mean weight is exactly 1.
 */
export function siriusClassWeights(counts: ClassCounts): ClassWeights {
  const w: ClassWeights = { demo: counts.demo > 0 ? 1 : 0, robot: 0, intervention: 0, preIntervention: 0 };
  const share: Record<Exclude<SiriusClassName, 'demo'>, number> = {
    intervention: SIRIUS_INTERVENTION_SHARE,
    preIntervention: SIRIUS_PRE_INTERVENTION_SHARE,
    robot: 1 - SIRIUS_INTERVENTION_SHARE - SIRIUS_PRE_INTERVENTION_SHARE,
  };
  const kinds = ['robot', 'intervention', 'preIntervention'] as const;
  const nonDemo = kinds.reduce((s, k) => s + counts[k], 0);
  let present = 0;
  for (const k of kinds) if (counts[k] > 0) present += share[k];
  if (nonDemo === 0 || present <= 0) return w;
  for (const k of kinds) w[k] = counts[k] > 0 ? ((share[k] / present) * nonDemo) / counts[k] : 0;
  return w;
}

/**
 * IWR (intervention-weighted regression): intervention samples weigh (N - N_int) / N_int, the
 * rest 1, a 50/50 split. With no interventions, or nothing but interventions, all weigh 1.
 */
export function iwrClassWeights(counts: ClassCounts): ClassWeights {
  const n = NAMES.reduce((s, k) => s + counts[k], 0);
  const nInt = counts.intervention;
  const wInt = nInt > 0 && nInt < n ? (n - nInt) / nInt : 1;
  return { demo: 1, robot: 1, intervention: wInt, preIntervention: 1 };
}

/** Per-sample weights for a weighting scheme; excluded (rewound) samples weigh 0 and are not counted. */
export function sampleWeights(weighting: Weighting, labels: ArrayLike<number>, opts: WeightOptions = {}): Float32Array {
  const { rewound, includeRewound = false } = opts;
  if (rewound && rewound.length !== labels.length) {
    throw new Error(`rewound flags (${rewound.length}) and labels (${labels.length}) differ in length`);
  }
  const included = (i: number) => includeRewound || !rewound || !rewound[i];
  const counts = countClasses(labels, included);
  let cw: ClassWeights;
  switch (weighting) {
    case 'sirius':
      cw = siriusClassWeights(counts);
      break;
    case 'iwr':
      cw = iwrClassWeights(counts);
      break;
    case 'none':
      cw = { demo: 1, robot: 1, intervention: 1, preIntervention: 1 };
      break;
    default:
      throw new Error(`unknown weighting '${String(weighting)}'; use one of ${WEIGHTINGS.join(', ')}`);
  }
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = included(i) ? cw[classOf(labels[i], i)] : 0;
  return out;
}

/** Parses a weighting name from user input, with an error that lists the valid ones. */
export function parseWeighting(s: string): Weighting {
  if ((WEIGHTINGS as readonly string[]).includes(s)) return s as Weighting;
  throw new Error(`unknown weighting '${s}'; use one of ${WEIGHTINGS.join(', ')}`);
}
