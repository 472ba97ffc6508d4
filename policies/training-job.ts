import fs from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { ACTION_DIM } from '../core/action.ts';
import { SafeNameSchema } from '../core/safe-name.ts';
import { backendInfo, initBackend } from './backend.ts';
import { loadEpisodeSet, type DamagedEpisode } from './episode-loader.ts';
import { parseEpisodeQuery } from './episode-query.ts';
import { featureSpecFromObservation, type FeatureSpec } from './observation-features.ts';
import type { Evaluation, PolicyManifest } from './policy-manifest.ts';
import { PolicyRegistry, saveHelpHeads, saveHelpRisk, saveHelpStates, saveWeights, writePolicyFolder, type NewPolicyManifest } from './policy-registry.ts';
import type { Catalog } from '../recordings/catalog.ts';
import type { EpisodeJournals } from '../recordings/episode-journals.ts';
import { gatherRows, trainPolicy, type TrainProgress, type TrainResult } from './trainer.ts';
import { calibrateEnsemble, calibrateHelp, HelpScoreChoiceSchema, raisesOnRisk, type HelpModel, type HelpScoreChoice } from './help-model.ts';
import { calibrateHelpOnRollouts, type HelpArrays, type HelpRolloutsOption } from './help-rollout-calibration.ts';
import { buildTrainingSet, type EpisodeSteps, type TrainingSet, type TrainingSetSummary } from './training-set.ts';

/** Which epoch's weights a trained version keeps: the lowest validation loss ('best') or the last. */
export const KeepEpochSchema = Type.Union([Type.Literal('best'), Type.Literal('last')]);
export type KeepEpoch = Static<typeof KeepEpochSchema>;

/** A training request (REST body of POST /api/training-jobs, and what the CLI sends). */
export const TrainingJobSpecSchema = Type.Object(
  {
    episodes: Type.String({ maxLength: 2000, description: "catalog query: key=value pairs (task=place,kind=demo) or 'all'" }),
    weighting: Type.Union([Type.Literal('sirius'), Type.Literal('iwr'), Type.Literal('none')]),
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    seed: Type.Optional(Type.Integer()),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 65536 })),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    hidden: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), { maxItems: 8 })),
    /** the version this one improves on: its observation spec is kept */
    parentVersion: Type.Optional(Type.Union([SafeNameSchema(), Type.Null()])),
    /** fine-tune from the parent version's weights (and keep its normalization) instead of a fresh network */
    warmStart: Type.Optional(Type.Boolean()),
    /** where the pre-intervention window goes when a rewind preceded the onset (recordings/step-labels.ts) */
    preInterventionAfterRewind: Type.Optional(Type.Union([Type.Literal('kept'), Type.Literal('undone'), Type.Literal('none')])),
    /** the epoch whose weights the version keeps: 'best' (lowest validation loss, default) or 'last' */
    keepEpoch: Type.Optional(KeepEpochSchema),
    /** name for the new version (default: the next v<N>) */
    version: Type.Optional(SafeNameSchema()),
    controlRateHz: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    task: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    /** also train on recovered episodes with gaps (chunks lost to damage); left out by default */
    includeGapped: Type.Optional(Type.Boolean()),
    /** share of held-out steps allowed to ask for help when calibrating the help model (default 0.02) */
    helpRate: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
    /** which calibrated scores raise help requests (default 'ensemble'; the novelty is recorded either way; 'risk' needs rollouts of the candidate, so the CLI only; docs/training.md "Help model") */
    helpScore: Type.Optional(HelpScoreChoiceSchema),
  },
  { $id: 'takeover/TrainingJobSpec', additionalProperties: false },
);
export type TrainingJobSpec = Static<typeof TrainingJobSpecSchema>;

export type JobPhase = 'loading' | 'training' | 'saving';
export interface JobProgress {
  phase: JobPhase;
  /** loading: episodes read; training: epochs done */
  done: number;
  total: number;
  epoch?: TrainProgress;
}

export interface TrainingJobResult {
  manifest: PolicyManifest;
  summary: TrainingSetSummary;
  /** selected episodes whose journal was damaged: quarantined and left out */
  damaged: DamagedEpisode[];
  /** selected episodes with gaps, left out (includeGapped keeps them) */
  gapped: string[];
}

export interface RunTrainingJobOptions {
  dataDir: string;
  onProgress?: (p: JobProgress) => void;
  signal?: AbortSignal;
  /** episodes already in memory (the CLI's sim demos); skips the catalog */
  episodes?: EpisodeSteps[];
  /** where the samples came from, written into policy.json */
  source?: string;
  /** the shipped-policies folder for the registry (tests) */
  builtinDir?: string;
  /** evaluates the trained policy before it is written, so policy.json carries the results; `help` holds the help model's arrays when the draft has one */
  evaluate?: (manifest: NewPolicyManifest, weights: Float32Array[], help: HelpArrays) => Promise<Evaluation[]>;
  /**
   * re-calibrates the raising help score on the candidate's own rollouts before it is evaluated
   * and written: `run` plays them and returns each one's outcome and per-tick scores
   * (policies/rollout-calibration.ts)
   */
  helpRollouts?: HelpRolloutsOption;
  /** write the version into this folder instead of the registry (building a shipped policy); must not exist */
  outDir?: string;
  /** the catalog to select episodes from (default: the data directory's SQLite catalog) */
  catalog?: Catalog;
  /** where journal bytes come from (default: the data directory alone; with an object store, uploaded journals not on this disk are fetched) */
  journals?: EpisodeJournals;
  /** creates the version instead of the local registry (a job worker publishes it to the shared store); `help` holds the help model's files when `draft.help` is set */
  createVersion?: (draft: NewPolicyManifest, weights: Float32Array[], version?: string, help?: VersionHelpFiles) => Promise<PolicyManifest>;
}

/** The help model's training states and (with an ensemble) heads, written beside a version's weights. */
export interface VersionHelpFiles {
  states: Float32Array;
  heads?: Float32Array;
  /** the failure-risk model's parameters (policy.json `help.risk`) */
  risk?: Float32Array;
}

/** Loads episodes, derives labels and weights, trains, and writes a new immutable version. */
export async function runTrainingJob(spec: TrainingJobSpec, opts: RunTrainingJobOptions): Promise<TrainingJobResult> {
  // the risk model learns from the candidate's own rollouts: only a caller with a simulator has them
  if (raisesOnRisk(spec.helpScore) && !opts.helpRollouts) throw new Error(`helpScore '${spec.helpScore}' needs rollouts of the candidate to learn from (takeover train --help-rollouts N); a server's training job has no simulator`);
  await initBackend();
  const registry = new PolicyRegistry({ dataDir: opts.dataDir, ...(opts.builtinDir ? { builtinDir: opts.builtinDir } : {}) });
  const parent = spec.parentVersion ? registry.manifest(spec.parentVersion) : null;
  const query = parseEpisodeQuery(spec.episodes);
  opts.onProgress?.({ phase: 'loading', done: 0, total: 0 });
  const loaded = opts.episodes
    ? { episodes: opts.episodes, damaged: [], gapped: [], unavailable: [] }
    : await loadEpisodeSet(opts.dataDir, query, { catalog: opts.catalog, journals: opts.journals, includeGapped: spec.includeGapped, onEpisode: (done, total) => opts.onProgress?.({ phase: 'loading', done, total }) });
  const { episodes, damaged, gapped, unavailable } = loaded;
  // a journal the store cannot give back now says nothing about the episode: training on the rest
  // would quietly change the set, so the run stops and names them (a retry may find the store back)
  if (unavailable.length > 0) throw new Error(`${unavailable.length} selected episode(s) could not be read here, nothing was trained: ${unavailable.slice(0, 5).map((u) => u.error).join('; ')}${unavailable.length > 5 ? `; and ${unavailable.length - 5} more` : ''}`);
  if (episodes.length === 0) {
    const left = [damaged.length && `${damaged.length} damaged (quarantined)`, gapped.length && `${gapped.length} with gaps (includeGapped keeps them)`].filter(Boolean);
    throw new Error(`no recorded episodes match '${spec.episodes}'${left.length ? `: ${left.join(', ')}` : ''}`);
  }
  const first = episodes.find((e) => e.steps.length > 0);
  if (!first) throw new Error(`the ${episodes.length} episodes matching '${spec.episodes}' have no steps`);
  const featureSpec: FeatureSpec = parent?.observation ?? featureSpecFromObservation(first.steps[0].obs);
  const labelOptions = spec.preInterventionAfterRewind ? { preInterventionAfterRewind: spec.preInterventionAfterRewind } : {};
  const { set, summary } = buildTrainingSet(episodes, featureSpec, spec.weighting, labelOptions);
  const epochs = spec.epochs ?? 50;
  const seed = spec.seed ?? 0;
  const batchSize = spec.batchSize ?? 256;
  const learningRate = spec.learningRate ?? 1e-3;
  if (spec.warmStart && !parent) throw new Error('warmStart needs a parentVersion to start from');
  const init = spec.warmStart && parent ? { arch: parent.architecture, norm: parent.normalization, weights: (await registry.load(parent.version)).weights } : undefined;
  const result = await trainPolicy(set, {
    init,
    epochs,
    seed,
    batchSize,
    learningRate,
    hidden: spec.hidden,
    keepBest: (spec.keepEpoch ?? 'best') === 'best',
    inputFields: featureSpec.fields.map((f) => f.size),
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ phase: 'training', done: p.epoch, total: p.epochs, epoch: p }),
  });
  try {
    opts.onProgress?.({ phase: 'saving', done: 0, total: 1 });
    const last = result.history.at(-1)!;
    const draft: NewPolicyManifest = {
      parentVersion: spec.parentVersion ?? null,
      task: spec.task ?? query.task ?? parent?.task ?? null,
      architecture: result.arch,
      observation: featureSpec,
      action: { space: 'ee-delta', dim: ACTION_DIM, description: 'core/action.ts: [dx, dy, dz, droll, dpitch, dyaw, gripper] in [-1, 1]' },
      normalization: result.norm,
      controlRateHz: spec.controlRateHz ?? parent?.controlRateHz ?? 20,
      training: {
        source: opts.source ?? `catalog query '${spec.episodes}'`,
        query: spec.episodes,
        weighting: spec.weighting,
        episodes: result.trainEpisodes,
        validationEpisodes: result.validationEpisodes,
        samples: result.trainSamples,
        trainWeight: result.trainWeight,
        validationSamples: result.validationSamples,
        classes: { ...summary.classes },
        epochs,
        batchSize,
        learningRate,
        seed,
        finalTrainLoss: last.trainLoss,
        finalValidationLoss: last.valLoss,
        initialValidationLoss: result.initialValLoss,
        keptEpoch: result.keptEpoch,
        keptValidationLoss: result.history[result.keptEpoch - 1].valLoss,
        seconds: result.seconds,
        backend: backendInfo()?.candidate ?? 'unknown',
        ...(init ? { warmStart: true } : {}),
      },
      evaluation: [],
    };
    // the help model needs held-out episodes to calibrate on; without them the version never asks
    // the ensemble by default: on fresh demos its calibrated rate held, the novelty's did not (docs/training.md)
    const helpScore = spec.helpScore ?? 'ensemble';
    const help = result.validationRows.length > 0 ? calibrateVersionHelp(set, result, helpScore, spec.helpRate ?? 0.02, seed) : null;
    if (help) draft.help = help.model;
    const weights = result.policy.weights();
    const helpArrays: HelpArrays = help ? { helpStates: help.states, ...(help.heads ? { helpHeads: help.heads } : {}) } : {};
    let risk: Float32Array | undefined;
    if (help && opts.helpRollouts) {
      const calibrated = await calibrateHelpOnRollouts(draft, weights, helpArrays, help.model, opts.helpRollouts, seed);
      draft.help = calibrated.model;
      risk = calibrated.risk;
      if (risk) helpArrays.helpRisk = risk;
    }
    if (opts.evaluate) draft.evaluation = await opts.evaluate(draft, weights, helpArrays);
    let manifest: PolicyManifest;
    if (opts.outDir) {
      if (fs.existsSync(opts.outDir) && fs.readdirSync(opts.outDir).length > 0) throw new Error(`${opts.outDir} exists and is not empty; versions are never overwritten`);
      const version = spec.version ?? 'default';
      manifest = await writePolicyFolder(opts.outDir, { ...draft, version });
      await saveWeights(opts.outDir, draft.architecture, weights);
      if (help) saveHelpStates(opts.outDir, help.model, help.states);
      if (help?.model.ensemble) saveHelpHeads(opts.outDir, help.model.ensemble, help.heads);
      if (draft.help?.risk) saveHelpRisk(opts.outDir, draft.help.risk, risk);
    } else if (opts.createVersion) manifest = await opts.createVersion(draft, weights, spec.version, help ? { states: help.states, heads: help.heads, risk } : undefined);
    else manifest = await registry.create(draft, weights, spec.version, help?.states, help?.heads, risk);
    return { manifest, summary, damaged, gapped };
  } finally {
    result.policy.dispose();
  }
}

/**
 * The novelty model, and with `helpScore` 'ensemble' or 'both' the ensemble beside it, calibrated
 * on the held-out rows (at `rate`, or `rate / 2` each for 'both'); `raise` records which raise requests.
 */
function calibrateVersionHelp(set: TrainingSet, result: TrainResult, helpScore: HelpScoreChoice, rate: number, seed: number): { model: HelpModel; states: Float32Array; heads?: Float32Array } {
  const trainX = gatherRows(set.features, set.inputDim, result.trainRows);
  const heldOut = gatherRows(set.features, set.inputDim, result.validationRows);
  // with both raising, each gets half the rate so that together they stay within it on the held-out steps
  const each = helpScore === 'both' ? rate / 2 : rate;
  const novelty = calibrateHelp(trainX, heldOut, result.norm, { rate: each, seed });
  if (helpScore === 'novelty') return { model: { ...novelty.model, raise: 'novelty' }, states: novelty.states };
  const trainY = gatherRows(set.actions, set.outputDim, result.trainRows);
  const ensemble = calibrateEnsemble(trainX, trainY, heldOut, result.norm, { rate: each, seed });
  return { model: { ...novelty.model, ensemble: ensemble.model, raise: helpScore }, states: novelty.states, heads: ensemble.weights };
}
