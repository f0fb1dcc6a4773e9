import * as tf from '@tensorflow/tfjs-core';
import { errors, readSafetensors, toFloat32, type Storage } from '@cdm/core';

/** A saved tensor: its values, and its shape when the source records one (then it is checked too). */
export type SavedTensor = Float32Array | { readonly shape: readonly number[]; readonly data: Float32Array };

/** Weights to start a fresh run from, read only when the run does not resume. */
export interface InitWeights {
  /** Names the weights in error messages (a path, usually). */
  readonly source: string;
  /** The weights by parameter name, in the denoiser's (tfjs) layout. */
  load(): Promise<ReadonlyMap<string, SavedTensor>>;
}

/**
 * Reads a `.safetensors` file written in tfjs layout (metadata `layout: "tfjs"`: a training
 * checkpoint's `model.safetensors` or `ema.safetensors`). Files in PyTorch's layout (exported stages,
 * imported checkpoints) hold transposed convolution weights of the same sizes, so they are refused:
 * load those with their denoiser factory and pass `{ source, load }` instead.
 */
export async function readInitWeights(storage: Storage, path: string): Promise<Map<string, SavedTensor>> {
  if (!path.endsWith('.safetensors')) throw errors.invalidArgument('init', 'a .safetensors file', path);
  const { metadata, tensors } = readSafetensors(await storage.read(path));
  if (metadata['layout'] !== 'tfjs') {
    throw errors.invalidArgument(
      'init',
      `a .safetensors file in tfjs layout (a training checkpoint's model or ema file); ${path} has layout "${metadata['layout'] ?? 'unstated'}" (for a stage directory, \`cdm train\`'s init loads it with its denoiser)`,
      path,
    );
  }
  return new Map([...tensors].map(([name, tensor]) => [name, { shape: tensor.shape, data: toFloat32(tensor, name) }] as const));
}

/**
 * Assigns saved weights to the denoiser's parameters after checking every name, size and (when
 * recorded) shape; all problems are listed in one CDM_CHECKPOINT_MISMATCH error naming `source`.
 */
export function assignWeights(parameters: ReadonlyMap<string, tf.Variable>, saved: ReadonlyMap<string, SavedTensor>, source: string): void {
  const problems: string[] = [];
  for (const [name, variable] of parameters) {
    const entry = saved.get(name);
    if (entry === undefined) {
      problems.push(`${name}: missing`);
      continue;
    }
    const { data, shape } = entry instanceof Float32Array ? { data: entry, shape: undefined } : entry;
    const expected = `[${variable.shape.join(', ')}]`;
    if (shape !== undefined && (shape.length !== variable.shape.length || shape.some((d, i) => d !== variable.shape[i]))) {
      problems.push(`${name}: shape [${shape.join(', ')}], expected ${expected}`);
    } else if (data.length !== variable.size) {
      problems.push(`${name}: ${data.length} values, expected ${variable.size} (shape ${expected})`);
    }
  }
  for (const name of saved.keys()) if (!parameters.has(name)) problems.push(`${name}: not a parameter of the denoiser`);
  if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
  tf.tidy(() => {
    for (const [name, variable] of parameters) {
      const entry = saved.get(name)!;
      variable.assign(tf.tensor(entry instanceof Float32Array ? entry : entry.data, variable.shape, 'float32'));
    }
  });
}
