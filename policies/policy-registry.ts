import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { isSafeName } from '../core/safe-name.ts';
import { initBackend } from './backend.ts';
import { fileIOHandler, MODEL_JSON } from './file-io-handler.ts';
import { paramShapes, type MlpArchitecture } from './mlp-policy.ts';
import { parseManifest, POLICY_FORMAT, POLICY_JSON, type PolicyManifest } from './policy-manifest.ts';
import type { EnsembleHelp, HelpModel } from './help-model.ts';
import { ensembleWeightCount } from './ensemble-heads.ts';
import { riskWeightCount, type RiskHelp } from './risk-model.ts';

/** The policies shipped in the repository (policies/models/<version>/). */
export const BUILTIN_POLICIES_DIR = fileURLToPath(new URL('./models/', import.meta.url));
export const DEFAULT_VERSION = 'default';

/** What a new version is made of; the registry adds format, version, createdAt and model. */
export type NewPolicyManifest = Omit<PolicyManifest, 'format' | 'version' | 'createdAt' | 'model'>;

/** A version's manifest plus its parameters (W0, b0, W1, b1, ...). */
export interface LoadedPolicy {
  manifest: PolicyManifest;
  weights: Float32Array[];
  /** the stored training states of the help model (normalized rows), when the version has one */
  helpStates?: Float32Array;
  /** the weights of the help model's ensemble heads, when it has one (policy.json `help.ensemble`) */
  helpHeads?: Float32Array;
  /** the parameters of the help model's failure-risk MLP, when it has one (policy.json `help.risk`) */
  helpRisk?: Float32Array;
}

/**
 * Policy versions as folders: `<dataDir>/policies/<version>/` plus the shipped ones. A folder is
 * written under a temporary name and renamed into place when complete, and never written again:
 * a version is immutable, so whatever ran under it can be reproduced.
 */
export class PolicyRegistry {
  readonly root: string;
  readonly builtinDir: string;
  #cache = new Map<string, LoadedPolicy>();

  constructor({ dataDir, builtinDir = BUILTIN_POLICIES_DIR }: { dataDir: string; builtinDir?: string }) {
    this.root = path.resolve(dataDir, 'policies');
    this.builtinDir = builtinDir;
  }

  /** All versions with a readable policy.json, shipped ones first, then by creation time. */
  list(): PolicyManifest[] {
    const out: PolicyManifest[] = [];
    for (const [dir, builtin] of [[this.builtinDir, true], [this.root, false]] as const) {
      if (!fs.existsSync(dir)) continue;
      const names = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.'));
      const found: PolicyManifest[] = [];
      for (const d of names) {
        const file = path.join(dir, d.name, POLICY_JSON);
        if (!fs.existsSync(file)) continue;
        try {
          found.push(parseManifest(fs.readFileSync(file, 'utf8'), file));
        } catch {
          // a broken folder is skipped by list(); manifest() reports it by name
        }
      }
      found.sort((a, b) => (builtin ? a.version.localeCompare(b.version) : a.createdAt.localeCompare(b.createdAt)));
      out.push(...found);
    }
    return out;
  }

  /** The folder of a version; throws naming the version when there is none. */
  dirOf(version: string): string {
    if (!isSafeName(version)) throw new Error(`'${version}' is not a valid policy version name`);
    for (const dir of [path.join(this.root, version), path.join(this.builtinDir, version)]) {
      if (fs.existsSync(path.join(dir, POLICY_JSON))) return dir;
    }
    throw new Error(`unknown policy version '${version}' (looked in ${this.root} and ${this.builtinDir})`);
  }

  /** A version's policy.json, checked. */
  manifest(version: string): PolicyManifest {
    const file = path.join(this.dirOf(version), POLICY_JSON);
    const m = parseManifest(fs.readFileSync(file, 'utf8'), file);
    if (m.version !== version) throw new Error(`${file}: says version '${m.version}', folder is '${version}'`);
    return m;
  }

  /** Manifest and weights of a version (cached: versions never change). */
  async load(version: string): Promise<LoadedPolicy> {
    const hit = this.#cache.get(version);
    if (hit) return hit;
    const manifest = this.manifest(version);
    const weights = await readWeights(this.dirOf(version), manifest.architecture);
    const dir = this.dirOf(version);
    const loaded: LoadedPolicy = { manifest, weights };
    if (manifest.help) loaded.helpStates = readHelpStates(dir, manifest.help);
    if (manifest.help?.ensemble) loaded.helpHeads = readHelpHeads(dir, manifest.help.ensemble);
    if (manifest.help?.risk) loaded.helpRisk = readHelpRisk(dir, manifest.help.risk);
    this.#cache.set(version, loaded);
    return loaded;
  }

  /** The next free `v<N>` name. */
  nextVersionName(): string {
    const taken = fs.existsSync(this.root) ? fs.readdirSync(this.root) : [];
    let max = 0;
    for (const n of taken) {
      const m = /^v(\d+)$/.exec(n);
      if (m) max = Math.max(max, Number(m[1]));
    }
    return `v${max + 1}`;
  }

  /** Writes a new version (named `version`, or the next `v<N>`) and returns its manifest. */
  async create(manifest: NewPolicyManifest, weights: Float32Array[], version?: string, helpStates?: Float32Array, helpHeads?: Float32Array, helpRisk?: Float32Array): Promise<PolicyManifest> {
    fs.mkdirSync(this.root, { recursive: true });
    for (let attempt = 0; attempt < 5; attempt++) {
      const name = version ?? this.nextVersionName();
      if (!isSafeName(name)) throw new Error(`'${name}' is not a valid policy version name`);
      if (name === DEFAULT_VERSION || fs.existsSync(path.join(this.builtinDir, name))) throw new Error(`policy version '${name}' is reserved by a shipped policy`);
      const finalDir = path.join(this.root, name);
      if (fs.existsSync(finalDir)) {
        if (version) throw new Error(`policy version '${name}' already exists; versions are never overwritten`);
        continue;
      }
      const tmp = path.join(this.root, `.tmp-${name}-${process.pid}-${Date.now()}`);
      const full = await writePolicyFolder(tmp, { ...manifest, version: name });
      await saveWeights(tmp, full.architecture, weights);
      if (full.help) saveHelpStates(tmp, full.help, helpStates);
      if (full.help?.ensemble) saveHelpHeads(tmp, full.help.ensemble, helpHeads);
      if (full.help?.risk) saveHelpRisk(tmp, full.help.risk, helpRisk);
      try {
        fs.renameSync(tmp, finalDir);
      } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        if (version) throw new Error(`policy version '${name}' could not be created: ${(err as Error).message}`);
        continue;
      }
      return full;
    }
    throw new Error('could not find a free policy version name');
  }
}

/**
 * Writes policy.json into `dir` (created). Used by the registry for new versions and by the
 * script that builds the shipped default policy; call saveWeights for the model files.
 */
export async function writePolicyFolder(dir: string, m: NewPolicyManifest & { version: string; createdAt?: string }): Promise<PolicyManifest> {
  const full: PolicyManifest = {
    format: POLICY_FORMAT,
    version: m.version,
    createdAt: m.createdAt ?? new Date().toISOString(),
    parentVersion: m.parentVersion,
    task: m.task,
    architecture: m.architecture,
    observation: m.observation,
    action: m.action,
    normalization: m.normalization,
    controlRateHz: m.controlRateHz,
    model: { format: 'tfjs-layers', file: MODEL_JSON },
    training: m.training,
    evaluation: m.evaluation,
    ...(m.help ? { help: m.help } : {}),
  };
  const checked = parseManifest(JSON.stringify(full), path.join(dir, POLICY_JSON));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, POLICY_JSON), JSON.stringify(checked, null, 2) + '\n');
  return checked;
}

/** Writes the help model's states file into `dir` (checked against the model's size). */
export function saveHelpStates(dir: string, help: HelpModel, states: Float32Array | undefined): void {
  if (!states || states.length !== help.states * help.dim) throw new Error(`help model needs ${help.states} x ${help.dim} states, got ${states?.length ?? 'none'}`);
  writeFloats(dir, help.file, states);
}

/** Reads a version's help states, naming the file when it is missing or the wrong size. */
export function readHelpStates(dir: string, help: HelpModel): Float32Array {
  return readFloats(dir, help.file, help.states * help.dim, { name: 'help states', has: 'a help model', needs: 'the help model needs' });
}

/** Writes the help ensemble's heads file into `dir` (checked against the ensemble's shape). */
export function saveHelpHeads(dir: string, ensemble: EnsembleHelp, heads: Float32Array | undefined): void {
  const want = headsWeightCount(ensemble);
  if (!heads || heads.length !== want) throw new Error(`help ensemble of ${ensemble.heads} heads x ${ensemble.hidden} units needs ${want} weights, got ${heads?.length ?? 'none'}`);
  writeFloats(dir, ensemble.file, heads);
}

/** Reads a version's help heads, naming the file when it is missing or not the size policy.json gives. */
export function readHelpHeads(dir: string, ensemble: EnsembleHelp): Float32Array {
  const needs = `the help ensemble of ${ensemble.heads} heads x ${ensemble.hidden} units needs`;
  return readFloats(dir, ensemble.file, headsWeightCount(ensemble), { name: 'help heads', has: 'a help ensemble', needs });
}

/** Writes the failure-risk model's parameters into `dir` (checked against its shape). */
export function saveHelpRisk(dir: string, risk: RiskHelp, weights: Float32Array | undefined): void {
  const want = riskWeightCount(risk);
  if (!weights || weights.length !== want) throw new Error(`failure-risk model of hidden ${risk.hidden.join(',')} needs ${want} weights, got ${weights?.length ?? 'none'}`);
  writeFloats(dir, risk.file, weights);
}

/** Reads a version's failure-risk parameters, naming the file when it is missing or not the size policy.json gives. */
export function readHelpRisk(dir: string, risk: RiskHelp): Float32Array {
  return readFloats(dir, risk.file, riskWeightCount(risk), { name: 'help risk', has: 'a failure-risk model', needs: `the failure-risk model of hidden ${risk.hidden.join(',')} needs` });
}

function writeFloats(dir: string, file: string, values: Float32Array): void {
  fs.writeFileSync(path.join(dir, file), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** A float32 file named by policy.json, checked: a plain name, present, exactly `count` values. */
function readFloats(dir: string, name: string, count: number, what: { name: string; has: string; needs: string }): Float32Array {
  const file = path.join(dir, name);
  if (!isSafeName(name)) throw new Error(`${dir}: ${what.name} file name '${name}' is not a plain file name`);
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (policy.json has ${what.has})`);
  const buf = fs.readFileSync(file);
  if (buf.byteLength !== count * 4) throw new Error(`${file}: ${buf.byteLength} bytes, ${what.needs} ${count * 4}`);
  // copy into an aligned buffer (a Buffer may sit at any offset of its pool)
  return new Float32Array(new Uint8Array(buf).buffer);
}

function headsWeightCount(e: EnsembleHelp): number {
  return ensembleWeightCount({ heads: e.heads, hidden: e.hidden, inputDim: e.dim, outputDim: e.outputDim });
}

/** Saves weights as a standard tfjs-layers model (Dense ReLU ... Dense tanh) in `dir`. */
export async function saveWeights(dir: string, arch: MlpArchitecture, weights: Float32Array[]): Promise<void> {
  await initBackend(); // tensors made before the choice would land on tfjs's pure-JS default
  const model = buildLayersModel(arch);
  try {
    const shapes = paramShapes(arch);
    const tensors = weights.map((w, i) => tf.tensor(w, shapes[i]));
    model.setWeights(tensors);
    tf.dispose(tensors);
    await model.save(fileIOHandler(dir));
  } finally {
    model.dispose();
  }
}

/** Reads the weights of a folder written by saveWeights, checking them against the architecture. */
export async function readWeights(dir: string, arch: MlpArchitecture): Promise<Float32Array[]> {
  await initBackend();
  const model = await tf.loadLayersModel(fileIOHandler(dir));
  try {
    const shapes = paramShapes(arch);
    const ws = model.getWeights();
    if (ws.length !== shapes.length || ws.some((w, i) => w.shape.join(',') !== shapes[i].join(','))) {
      throw new Error(`${dir}: model weights [${ws.map((w) => `[${w.shape}]`).join(' ')}] do not match policy.json's architecture`);
    }
    return ws.map((w) => Float32Array.from(w.dataSync() as Float32Array));
  } finally {
    model.dispose();
  }
}

function buildLayersModel(arch: MlpArchitecture): tf.Sequential {
  const model = tf.sequential();
  const sizes = [...arch.hidden, arch.outputDim];
  sizes.forEach((units, i) => {
    const last = i === sizes.length - 1;
    model.add(tf.layers.dense({ units, activation: last ? 'tanh' : 'relu', ...(i === 0 ? { inputShape: [arch.inputDim] } : {}) }));
  });
  return model;
}
