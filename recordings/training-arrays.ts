import { ACTION_DIM } from '../core/action.ts';
import { readJournalFile, type Journal } from './episode-reader.ts';
import { labelSteps, type LabelOptions, type StepClass } from './step-labels.ts';

/** One field of the observation, flattened: `data[i * dim + k]` is component k of sample i. */
export interface FieldArray {
  dim: number;
  data: Float32Array;
}

/** An episode's training samples as typed arrays (steps whose label trains and that executed an action). */
export interface TrainingArrays {
  episodeId: string;
  kind: 'policy' | 'demo';
  n: number;
  stepIndex: Int32Array;
  t: Float64Array;
  /** 'q', 'qd', 'eePos', 'eeQuat', 'gripper', and 'objects/<name>/pos' | 'objects/<name>/quat' per object */
  obs: Record<string, FieldArray>;
  /** executed actions, n x ACTION_DIM */
  actions: Float32Array;
  /** Sirius `action_modes` and `intv_labels` */
  actionModes: Int8Array;
  intvLabels: Int8Array;
  classes: StepClass[];
}

/**
 * Turns a journal into training arrays. Labels come from `labelSteps` (rewound and recovery
 * steps are left out unless the options include them; idle steps and steps that executed
 * nothing always are). Numbers JSON could not carry (NaN, Infinity) come back as NaN.
 */
export function toTrainingArrays(j: Journal, opts: LabelOptions = {}): TrainingArrays {
  const labels = labelSteps(j.steps, j.events, j.meta.kind, opts);
  const keep: number[] = [];
  for (let i = 0; i < j.steps.length; i++) if (labels[i].train && j.steps[i].executed) keep.push(i);
  const n = keep.length;
  const first = keep.length ? j.steps[keep[0]].obs : null;
  const fields: Field[] = first
    ? [
        ['q', first.q.length, (o) => o.q],
        ['qd', first.qd.length, (o) => o.qd],
        ['eePos', 3, (o) => o.eePos],
        ['eeQuat', 4, (o) => o.eeQuat],
        ['gripper', 1, (o) => [o.gripper]],
        ...first.objects.flatMap((obj) => [
          [`objects/${obj.name}/pos`, 3, (o: Obs) => o.objects.find((x) => x.name === obj.name)?.pos] as Field,
          [`objects/${obj.name}/quat`, 4, (o: Obs) => o.objects.find((x) => x.name === obj.name)?.quat] as Field,
        ]),
      ]
    : [];
  const obs: Record<string, FieldArray> = {};
  for (const [name, dim] of fields) obs[name] = { dim, data: new Float32Array(n * dim) };
  const out: TrainingArrays = {
    episodeId: j.meta.episodeId,
    kind: j.meta.kind,
    n,
    stepIndex: new Int32Array(n),
    t: new Float64Array(n),
    obs,
    actions: new Float32Array(n * ACTION_DIM),
    actionModes: new Int8Array(n),
    intvLabels: new Int8Array(n),
    classes: [],
  };
  keep.forEach((si, i) => {
    const s = j.steps[si];
    out.stepIndex[i] = s.step;
    out.t[i] = s.t;
    for (const [name, dim, get] of fields) {
      const src = get(s.obs);
      if (src && src.length !== dim) throw new Error(`${j.meta.episodeId} step ${s.step}: obs field '${name}' has ${src.length} values, earlier steps ${dim}`);
      const data = obs[name].data;
      for (let k = 0; k < dim; k++) data[i * dim + k] = num(src?.[k]);
    }
    for (let k = 0; k < ACTION_DIM; k++) out.actions[i * ACTION_DIM + k] = num(s.executed![k]);
    // Rewound/recovery steps included by option have no Sirius class: they count as robot (0).
    out.actionModes[i] = labels[si].actionMode ?? 0;
    out.intvLabels[i] = labels[si].intvLabel ?? 0;
    out.classes.push(labels[si].cls);
  });
  return out;
}

type Obs = Journal['steps'][number]['obs'];
type Field = readonly [name: string, dim: number, get: (o: Obs) => ArrayLike<number | null> | undefined];

function num(v: number | null | undefined): number {
  return typeof v === 'number' ? v : NaN;
}

/** Streams training arrays episode by episode, so a trainer never holds raw steps of more than one. */
export async function* streamTrainingArrays(paths: Iterable<string>, opts: LabelOptions = {}): AsyncGenerator<TrainingArrays, void, void> {
  for (const path of paths) yield toTrainingArrays(await readJournalFile(path), opts);
}
