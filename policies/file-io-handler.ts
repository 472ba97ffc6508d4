import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * A tfjs IOHandler that saves to and loads from a folder: `model.json` (topology plus weights
 * manifest, the standard tfjs-layers format) and one `weights.bin`. tfjs's own `file://` handler
 * needs tfjs-node, which is optional; this one needs only node:fs.
 */
export function fileIOHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('fileIOHandler: binary topologies are not supported');
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      fs.writeFileSync(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = path.join(dir, MODEL_JSON);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new Error(`cannot read ${jsonPath}: ${(err as Error).message}`);
      }
      const manifest = modelJson.weightsManifest ?? [];
      const specs = manifest.flatMap((g) => g.weights);
      const buffers = manifest.flatMap((g) => g.paths).map((p) => {
        const file = path.join(dir, path.basename(p));
        const b = fs.readFileSync(file);
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      });
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs: specs,
        weightData: tf.io.concatenateArrayBuffers(buffers),
      };
    },
  };
}
