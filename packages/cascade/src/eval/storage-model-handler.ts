import * as tf from '@tensorflow/tfjs-core';
import { errors, joinPath, type Storage } from '@cdm/core';

/** The folder of a `/`-separated path or URL (`a/b/model.json` → `a/b`). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : slash === 0 ? '/' : path.slice(0, slash);
}

/**
 * A tfjs `IOHandler` that loads a tfjs model (`model.json` plus its weight shards) through a core
 * `Storage`, so a graph model on disk (fsStorage), over HTTP (a fetch storage) or in memory loads
 * the same way. `path` is the model.json, or a folder holding one. Shard paths in the manifest are
 * relative to model.json, as tensorflowjs_converter writes them.
 */
export function storageModelHandler(storage: Storage, path: string, options: { readonly signal?: AbortSignal } = {}): tf.io.IOHandler {
  const modelJson = path.endsWith('.json') ? path : joinPath(path, 'model.json');
  const readOptions = options.signal === undefined ? {} : { signal: options.signal };
  return {
    load: async () => {
      const text = new TextDecoder().decode(await storage.read(modelJson, readOptions));
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (error) {
        throw errors.invalidArgument(modelJson, 'a tfjs model.json (JSON)', (error as Error).message);
      }
      if (json === null || typeof json !== 'object' || json.modelTopology === undefined) {
        throw errors.invalidArgument(modelJson, 'a tfjs model.json with "modelTopology" and "weightsManifest" (written by tensorflowjs_converter)', Object.keys(json ?? {}));
      }
      const dir = parentOf(modelJson);
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const shards: Uint8Array[] = [];
        for (const group of manifest) {
          for (const shard of group.paths) shards.push(await storage.read(joinPath(dir, shard), readOptions));
          specs.push(...group.weights);
        }
        const total = shards.reduce((sum, s) => sum + s.byteLength, 0);
        const data = new Uint8Array(total);
        let offset = 0;
        for (const s of shards) {
          data.set(s, offset);
          offset += s.byteLength;
        }
        return [specs, data.buffer];
      });
    },
  };
}
