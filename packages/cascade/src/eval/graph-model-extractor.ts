import * as tf from '@tensorflow/tfjs-core';
import type * as tfconverter from '@tensorflow/tfjs-converter';
import { errors, resizeImages, type Storage } from '@cdm/core';
import type { FeatureExtractor } from './feature-extractor';
import { fingerprint } from './fingerprint';
import { storageModelHandler } from './storage-model-handler';

/** Where a tfjs graph model comes from. */
export type GraphModelSource = string | tf.io.IOHandler | { readonly storage: Storage; readonly path: string };

export interface GraphModelExtractorOptions {
  /** A model.json URL (loaded with tfjs' http handler), an IOHandler, or a Storage + path (model.json or its folder). */
  readonly model: GraphModelSource;
  /** The node whose output is the feature vector (e.g. Inception's pool3); default the model's first output. */
  readonly featureNode?: string;
  /** The node whose output is the classifier logits (pre-softmax), for the Inception Score. */
  readonly logitsNode?: string;
  /** Side of the square input the network expects (299 for InceptionV3); images are resized bilinearly. */
  readonly inputSize: number;
  /** The value range the network expects; images in [−1, 1] are mapped linearly to it. Default [−1, 1]. */
  readonly inputRange?: readonly [number, number];
  /** Reported with every number; default "graph-model:<featureNode>". */
  readonly name?: string;
  readonly signal?: AbortSignal;
}

/** One ArrayBuffer holding `buffers` back to back. */
function joinBuffers(buffers: readonly ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(buffers.reduce((sum, b) => sum + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}

/** Node names of a graph model's topology, with their ops. */
function graphNodes(artifacts: tf.io.ModelArtifacts): { name: string; op: string }[] {
  const topology = artifacts.modelTopology as { node?: { name: string; op: string }[] } | undefined;
  return topology?.node?.map(({ name, op }) => ({ name, op })) ?? [];
}

/**
 * A feature extractor backed by a tfjs graph model (e.g. InceptionV3 converted with
 * tensorflowjs_converter; see the package README for the command and node names), loaded through
 * @tensorflow/tfjs-converter, which must be installed (an optional peer dependency). The model is
 * probed once at load with a blank image, so a wrong node name fails here, listing the candidates.
 */
export async function graphModelExtractor(options: GraphModelExtractorOptions): Promise<FeatureExtractor> {
  const { model: source, featureNode, logitsNode, inputSize, inputRange = [-1, 1] } = options;
  if (!Number.isInteger(inputSize) || inputSize < 1) throw errors.invalidArgument('inputSize', 'a positive integer', inputSize);
  if (!(inputRange.length === 2 && Number.isFinite(inputRange[0]) && Number.isFinite(inputRange[1]) && inputRange[0] < inputRange[1])) {
    throw errors.invalidArgument('inputRange', '[low, high] with low < high', [...inputRange]);
  }
  let converter: typeof tfconverter;
  try {
    converter = await import('@tensorflow/tfjs-converter');
  } catch (cause) {
    throw errors.notAvailable(
      'Loading tfjs graph models (@tensorflow/tfjs-converter)',
      `Install the optional peer dependency next to @tensorflow/tfjs-core: npm i @tensorflow/tfjs-converter@^4.22.0 (it did not load: ${(cause as Error).message})`,
    );
  }
  const handler: tf.io.IOHandler =
    typeof source === 'string'
      ? tf.io.http(source)
      : 'storage' in source
        ? storageModelHandler(source.storage, source.path, options.signal === undefined ? {} : { signal: options.signal })
        : source;
  if (handler.load === undefined) throw errors.invalidArgument('model', 'an IOHandler with a load() method', 'a handler without load()');
  const loaded = await handler.load();
  // tfjs' http handler returns one buffer per shard; tfjs-converter 4.22 decodes a tensor that spans
  // two of them wrongly, so the shards are joined into one buffer first.
  const artifacts: tf.io.ModelArtifacts = Array.isArray(loaded.weightData) ? { ...loaded, weightData: joinBuffers(loaded.weightData) } : loaded;
  const nodes = graphNodes(artifacts);
  const model = await converter.loadGraphModel({ load: async () => artifacts });
  const outputs = [featureNode ?? model.outputNodes[0]!, ...(logitsNode === undefined ? [] : [logitsNode])];
  const known = new Set(nodes.map((n) => n.name));
  for (const [flag, node] of [['featureNode', featureNode], ['logitsNode', logitsNode]] as const) {
    if (node !== undefined && nodes.length > 0 && !known.has(node.split(':')[0]!)) {
      const candidates = nodes.filter((n) => /Mean|AvgPool|MatMul|BiasAdd|Softmax|Squeeze|Reshape/.test(n.op)).map((n) => `${n.name} (${n.op})`);
      model.dispose();
      throw errors.invalidArgument(flag, `a node of the graph; pooling/dense candidates: ${candidates.slice(-12).join(', ') || '(none)'}`, node);
    }
  }
  const [low, high] = inputRange;
  let needsAsync = false;

  const run = async (images: tf.Tensor4D): Promise<{ features: Float32Array; logits?: Float32Array; d: number; classes?: number }> => {
    const n = images.shape[0];
    const x = tf.tidy(() => {
      const [, h, w] = images.shape;
      const sized = h === inputSize && w === inputSize ? images : resizeImages(images, inputSize, inputSize, 'bilinear');
      return tf.add(tf.mul(tf.add(sized, 1), (high - low) / 2), low); // [−1, 1] → [low, high]
    });
    let result: tf.Tensor | tf.Tensor[] | undefined;
    try {
      const names = outputs.length === 1 ? outputs[0]! : outputs;
      if (!needsAsync) {
        try {
          result = model.execute(x, names);
        } catch (error) {
          // Graphs with control flow or dynamic shapes only run asynchronously; tfjs says so in the message.
          if (!(error instanceof Error && error.message.includes('executeAsync'))) throw error;
          needsAsync = true;
        }
      }
      if (needsAsync) result = await model.executeAsync(x, names);
      const [f, l] = Array.isArray(result) ? result : [result!];
      const features = (await f!.data()) as Float32Array;
      const logits = l === undefined ? undefined : ((await l.data()) as Float32Array);
      return { features, d: features.length / n, ...(logits === undefined ? {} : { logits, classes: logits.length / n }) };
    } finally {
      x.dispose();
      if (result !== undefined) tf.dispose(result);
    }
  };

  let probe: Awaited<ReturnType<typeof run>>;
  try {
    const blank = tf.zeros([1, inputSize, inputSize, 3]) as tf.Tensor4D;
    probe = await run(blank).finally(() => blank.dispose());
  } catch (cause) {
    model.dispose();
    throw errors.pluginFailed('graph model', options.name ?? outputs[0]!, 'a probe run on a blank image', cause);
  }
  return {
    name: options.name ?? `graph-model:${outputs[0]!}`,
    fingerprint: fingerprint(artifacts.weightData === undefined ? new Uint8Array() : new Uint8Array(artifacts.weightData as ArrayBuffer)),
    featureDim: probe.d,
    ...(probe.classes === undefined ? {} : { numClasses: probe.classes }),
    async extract(images) {
      const { features, logits } = await run(images);
      return logits === undefined ? { features } : { features, logits };
    },
    dispose: () => model.dispose(),
  };
}
