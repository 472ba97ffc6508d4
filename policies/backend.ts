import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * tfjs backend choice (docs/training.md): native GPU, native CPU, wasm, pure-JS cpu, in that
 * order. The two native packages are optionalDependencies whose install downloads libtensorflow, so
 * they are often absent: they load by dynamic import and a failure just moves on to the next one.
 */
export const BACKEND_CANDIDATES = ['node-gpu', 'node', 'wasm', 'cpu'] as const;
export type BackendCandidate = (typeof BACKEND_CANDIDATES)[number];

/** Environment variable that forces one candidate (no fallback when forced). */
export const BACKEND_ENV = 'TAKEOVER_TF_BACKEND';

/** Which backend runs tfjs, and why the better ones did not. */
export interface BackendInfo {
  /** the candidate in use */
  candidate: BackendCandidate;
  /** tfjs's own name for it (`tensorflow`, `wasm`, `cpu`) */
  tfName: string;
  /** true when TAKEOVER_TF_BACKEND chose it */
  forced: boolean;
  /** candidates tried before it, each with the reason it was skipped */
  skipped: Array<{ candidate: BackendCandidate; reason: string }>;
}

/** Loads a module by name; injectable so tests can stand in for an installed or broken package. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export interface InitBackendOptions {
  /** a candidate to force; defaults to process.env.TAKEOVER_TF_BACKEND */
  force?: string;
  importer?: ModuleImporter;
}

const PACKAGE: Record<BackendCandidate, string | null> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};
const TF_NAME: Record<BackendCandidate, string> = { 'node-gpu': 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

// A variable specifier keeps TypeScript from resolving packages that may be absent.
const defaultImporter: ModuleImporter = (specifier) => import(specifier);

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;
let wasmPathsSet = false;

/** The backend chosen by `initBackend`, or null before it ran. */
export function backendInfo(): BackendInfo | null {
  return current;
}

/** One-line description for the startup log and /api/status. */
export function describeBackend(info: BackendInfo | null = current): string {
  if (!info) return 'tfjs backend not initialized';
  const why = info.forced ? ` (forced by ${BACKEND_ENV})` : '';
  const skipped = info.skipped.length ? `; skipped ${info.skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ')}` : '';
  return `tfjs backend ${info.candidate} (${info.tfName})${why}${skipped}`;
}

/**
 * Picks and activates the best available backend once per process; later calls return the same
 * answer. A forced candidate that fails throws instead of silently running something slower.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  pending ??= chooseBackend(opts).then(
    (info) => (current = info),
    (err) => {
      pending = null;
      throw err;
    },
  );
  return pending;
}

/** Forgets the cached choice (tests only: tfjs keeps registered backends, this only re-runs the choice). */
export function resetBackendChoiceForTests(): void {
  current = null;
  pending = null;
}

async function chooseBackend({ force = process.env[BACKEND_ENV], importer = defaultImporter }: InitBackendOptions): Promise<BackendInfo> {
  const forced = force !== undefined && force !== '';
  if (forced && !(BACKEND_CANDIDATES as readonly string[]).includes(force)) {
    throw new Error(`${BACKEND_ENV}='${force}' is not a backend; use one of ${BACKEND_CANDIDATES.join(', ')}`);
  }
  const order: BackendCandidate[] = forced ? [force as BackendCandidate] : [...BACKEND_CANDIDATES];
  const skipped: BackendInfo['skipped'] = [];
  for (const candidate of order) {
    try {
      await activate(candidate, importer);
      return { candidate, tfName: tf.getBackend(), forced, skipped };
    } catch (err) {
      const reason = shortReason(err);
      if (forced) throw new Error(`${BACKEND_ENV}=${candidate} but that backend failed to start: ${reason}`);
      skipped.push({ candidate, reason });
    }
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.candidate}: ${s.reason}`).join('; ')}`);
}

async function activate(candidate: BackendCandidate, importer: ModuleImporter): Promise<void> {
  const pkg = PACKAGE[candidate];
  if (pkg) {
    const mod = (await importer(pkg)) as Record<string, unknown>;
    if (candidate === 'wasm') setWasmPathsOnce(mod);
  }
  const ok = await tf.setBackend(TF_NAME[candidate]);
  if (!ok || tf.getBackend() !== TF_NAME[candidate]) throw new Error(`tf.setBackend('${TF_NAME[candidate]}') did not take`);
  await tf.ready();
}

/**
 * In Node the wasm backend's Emscripten loader reads the .wasm files with fs from a path prefix.
 * Its default prefix is the directory of its own bundle, which breaks once code is bundled or
 * loaded from elsewhere; point it at the installed package's dist/ explicitly (a plain directory
 * path ending in a separator; no fetch, so `usePlatformFetch` stays false).
 */
function setWasmPathsOnce(mod: Record<string, unknown>): void {
  if (wasmPathsSet) return;
  const setWasmPaths = mod.setWasmPaths as ((prefix: string, usePlatformFetch?: boolean) => void) | undefined;
  if (typeof setWasmPaths !== 'function') return;
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  try {
    setWasmPaths(path.dirname(main) + path.sep, false);
  } catch {
    // already initialized by someone else in this process: its paths evidently worked
  }
  wasmPathsSet = true;
}

function shortReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  const msg = e?.message ?? String(err);
  return msg.split('\n')[0].slice(0, 200);
}
