import type { MainModule, MjModel } from 'mujoco-js';

let modulePromise: Promise<MainModule> | null = null;
let fileCounter = 0;

/** Loads the MuJoCo WASM module once per process (it is ~11 MB; every model shares it). */
export function loadMujoco(): Promise<MainModule> {
  if (!modulePromise) {
    modulePromise = (async () => {
      const mod = await import('mujoco-js');
      const mujoco = (await mod.default()) as MainModule;
      const fs = (mujoco as unknown as { FS: EmscriptenFs }).FS;
      fs.mkdir('/takeover');
      fs.mount((mujoco as unknown as { MEMFS: unknown }).MEMFS, { root: '.' }, '/takeover');
      return mujoco;
    })();
  }
  return modulePromise;
}

interface EmscriptenFs {
  mkdir(path: string): void;
  mount(type: unknown, opts: { root: string }, path: string): void;
  writeFile(path: string, data: string | Uint8Array): void;
  unlink(path: string): void;
}

/** Compiles an MJCF or URDF document into a model; errors carry MuJoCo's own message. */
export async function compileModel(text: string, ext: 'xml' | 'urdf' = 'xml'): Promise<{ mujoco: MainModule; model: MjModel }> {
  const mujoco = await loadMujoco();
  const fs = (mujoco as unknown as { FS: EmscriptenFs }).FS;
  const path = `/takeover/model-${process.pid}-${fileCounter++}.${ext}`;
  fs.writeFile(path, text);
  try {
    const model = mujoco.MjModel.loadFromXML(path);
    if (!model) throw new Error('MuJoCo returned no model');
    return { mujoco, model };
  } catch (err) {
    throw new Error(`compileModel: MuJoCo could not load the ${ext.toUpperCase()} model: ${describeWasmError(mujoco, err)}`);
  } finally {
    fs.unlink(path);
  }
}

/** Emscripten throws C++ exceptions as numbers or opaque objects; turn them into text when possible. */
function describeWasmError(mujoco: MainModule, err: unknown): string {
  const getMsg = (mujoco as unknown as { getExceptionMessage?: (e: unknown) => unknown }).getExceptionMessage;
  if (getMsg && typeof err !== 'string' && !(err instanceof Error)) {
    try {
      return String(getMsg(err));
    } catch {
      /* fall through */
    }
  }
  return err instanceof Error ? err.message : String(err);
}
