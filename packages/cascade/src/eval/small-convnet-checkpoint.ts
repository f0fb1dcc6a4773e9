import * as tf from '@tensorflow/tfjs-core';
import { errors, joinPath, readSafetensors, toFloat32, writeSafetensors, type Storage } from '@cdm/core';
import { fingerprint } from './fingerprint';
import { createSmallConvnet, resolveSmallConvnetConfig, type SmallConvnet, type SmallConvnetConfig } from './small-convnet';

export const SMALL_CONVNET_FORMAT = 'cdm-small-convnet';

/** `config.json` of a saved {@link SmallConvnet}. */
export interface SmallConvnetFile extends SmallConvnetConfig {
  readonly format: typeof SMALL_CONVNET_FORMAT;
  readonly version: 1;
  /** What the network is; feature extractors report it with every number. */
  readonly name: string;
  readonly classNames?: readonly string[];
  /** Free-form facts about how it was trained (dataset, steps, held-out accuracy, …). */
  readonly training?: Readonly<Record<string, unknown>>;
}

export interface LoadedSmallConvnet {
  readonly net: SmallConvnet;
  readonly file: SmallConvnetFile;
  /** {@link fingerprint} of model.safetensors. */
  readonly fingerprint: string;
}

const CONFIG = 'config.json';
const WEIGHTS = 'model.safetensors';

/** PyTorch layout ↔ tfjs layout: conv OIHW ↔ HWIO, linear [out, in] ↔ [in, out]. */
const toTorch = (t: tf.Tensor) => (t.rank === 4 ? tf.transpose(t, [3, 2, 0, 1]) : t.rank === 2 ? tf.transpose(t) : tf.clone(t));
/** The PyTorch-layout shape of a tfjs-layout parameter. */
const torchShape = (s: readonly number[]) => (s.length === 4 ? [s[3]!, s[2]!, s[0]!, s[1]!] : s.length === 2 ? [s[1]!, s[0]!] : [...s]);
const fromTorch = (t: tf.Tensor) => (t.rank === 4 ? tf.transpose(t, [2, 3, 1, 0]) : t.rank === 2 ? tf.transpose(t) : tf.clone(t));

/** The network's parameters as safetensors bytes: float32 tensors in PyTorch's layout, named as the parameters. */
export async function encodeSmallConvnetWeights(net: SmallConvnet): Promise<Uint8Array> {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, variable] of net.parameters()) {
    const torch = tf.tidy(() => toTorch(variable));
    tensors.set(name, { shape: torch.shape, data: (await torch.data()) as Float32Array });
    torch.dispose();
  }
  return writeSafetensors(tensors, { format: 'pt' });
}

/**
 * Assigns weights written by {@link encodeSmallConvnetWeights} to `net`; `source` names the file in
 * errors. CDM_CHECKPOINT_MISMATCH lists every tensor that does not fit (and `net` is left unchanged).
 */
export function assignSmallConvnetWeights(net: SmallConvnet, bytes: Uint8Array, source: string): void {
  const saved = readSafetensors(bytes).tensors;
  const problems: string[] = [];
  for (const [name, variable] of net.parameters()) {
    const tensor = saved.get(name);
    const expected = torchShape(variable.shape);
    if (tensor === undefined) problems.push(`${name}: missing`);
    else if (tensor.shape.join(',') !== expected.join(',')) problems.push(`${name}: shape [${tensor.shape.join(', ')}], expected [${expected.join(', ')}]`);
  }
  for (const name of saved.keys()) if (!net.parameters().has(name)) problems.push(`${name}: not a parameter of the network`);
  if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
  tf.tidy(() => {
    for (const [name, variable] of net.parameters()) {
      const tensor = saved.get(name)!;
      variable.assign(fromTorch(tf.tensor(toFloat32(tensor, name), [...tensor.shape], 'float32')));
    }
  });
}

/**
 * Writes `config.json` and `model.safetensors` (float32 tensors in PyTorch's layout, named as the
 * network's parameters) under `dir`.
 */
export async function saveSmallConvnet(
  storage: Storage,
  dir: string,
  net: SmallConvnet,
  info: { readonly name: string; readonly classNames?: readonly string[]; readonly training?: Readonly<Record<string, unknown>> },
): Promise<void> {
  const file: SmallConvnetFile = { format: SMALL_CONVNET_FORMAT, version: 1, ...info, ...net.config };
  await storage.write(joinPath(dir, WEIGHTS), await encodeSmallConvnetWeights(net));
  await storage.write(joinPath(dir, CONFIG), new TextEncoder().encode(`${JSON.stringify(file, null, 2)}\n`));
}

/** Reads a network saved by {@link saveSmallConvnet}; CDM_CHECKPOINT_MISMATCH lists every tensor that does not fit. */
export async function loadSmallConvnet(storage: Storage, dir: string, options: { readonly signal?: AbortSignal } = {}): Promise<LoadedSmallConvnet> {
  const read = (name: string) => storage.read(joinPath(dir, name), options.signal === undefined ? {} : { signal: options.signal });
  const configPath = joinPath(dir, CONFIG);
  let file: SmallConvnetFile;
  try {
    file = JSON.parse(new TextDecoder().decode(await read(CONFIG))) as SmallConvnetFile;
  } catch (error) {
    if (error instanceof SyntaxError) throw errors.invalidArgument(configPath, 'a JSON file', error.message);
    throw error;
  }
  if (file?.format !== SMALL_CONVNET_FORMAT || file.version !== 1) {
    throw errors.invalidArgument(`${configPath} format/version`, `"${SMALL_CONVNET_FORMAT}" version 1`, `${String(file?.format)} ${String(file?.version)}`);
  }
  if (typeof file.name !== 'string' || file.name === '') throw errors.invalidArgument(`${configPath} name`, 'a non-empty string', file.name);
  const config = resolveSmallConvnetConfig(file);
  const bytes = await read(WEIGHTS);
  const net = createSmallConvnet(config);
  try {
    assignSmallConvnetWeights(net, bytes, joinPath(dir, WEIGHTS));
  } catch (error) {
    net.dispose();
    throw error;
  }
  return { net, file, fingerprint: fingerprint(bytes) };
}
