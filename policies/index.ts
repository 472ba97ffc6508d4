// The policies package: backend choice, features, weights, model, trainer, versions, runtime, jobs.
export { BACKEND_CANDIDATES, BACKEND_ENV, backendInfo, describeBackend, initBackend, type BackendCandidate, type BackendInfo } from './backend.ts';
export { CURRENT_FEATURE_SPEC_VERSION, FEATURE_SPEC_VERSIONS, checkFeatureSpecVersion, extractFeatures, featureSpecFromObservation, makeFeatureSpec, FeatureSpecSchema, type FeatureSpec, type ObservationLike } from './observation-features.ts';
export { SIRIUS_CLASS, WEIGHTINGS, iwrClassWeights, parseWeighting, sampleWeights, siriusClassWeights, type Weighting } from './sirius-weights.ts';
export { MlpPolicy, paramShapes, type MlpArchitecture, type PolicyModel } from './mlp-policy.ts';
export { JsMlpForward } from './js-mlp-forward.ts';
export { computeNormalization, type Normalization } from './normalization.ts';
export { trainPolicy, type TrainOptions, type TrainProgress, type TrainResult } from './trainer.ts';
export { buildTrainingSet, type EpisodeSteps, type TrainingSet, type TrainingSetSummary } from './training-set.ts';
export { parseManifest, PolicyManifestSchema, type Evaluation, type PolicyManifest, type TrainingInfo } from './policy-manifest.ts';
export { BUILTIN_POLICIES_DIR, DEFAULT_VERSION, PolicyRegistry, type LoadedPolicy, type NewPolicyManifest } from './policy-registry.ts';
export { PolicyRuntime, type InferenceEngine, type RobotPolicySlot } from './policy-runtime.ts';
export { runTrainingJob, TrainingJobSpecSchema, type JobProgress, type TrainingJobResult, type TrainingJobSpec } from './training-job.ts';
export { TrainingJobManager, threadWorkerFactory, type TrainingJob } from './training-jobs.ts';
export { parseEpisodeQuery } from './episode-query.ts';
export { wilsonInterval } from './wilson-interval.ts';
