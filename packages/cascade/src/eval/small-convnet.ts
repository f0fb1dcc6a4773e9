import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, randomNormal } from '@cdm/core';

/** The shape of a {@link SmallConvnet}; also its saved `config.json` fields. */
export interface SmallConvnetConfig {
  /** Side of the square images it classifies (other sizes are resized to it by the extractor). */
  readonly imageSize: number;
  /** Input channels; default 3. */
  readonly inputChannels?: number;
  /**
   * Output channels of each 3×3 convolution: the first keeps the resolution, each further one
   * halves it (stride 2). E.g. [16, 32, 64, 96] at 32×32 ends at 4×4.
   */
  readonly channels: readonly number[];
  /** Width of the penultimate (feature) layer. */
  readonly hidden: number;
  readonly numClasses: number;
  /** Seeds the initial weights; default 0. */
  readonly seed?: number;
}

/** What one forward pass returns: penultimate activations and logits. */
export interface SmallConvnetOutput {
  /** [B, hidden]: ReLU(dense(global-average-pool(conv stack))), the layer FID and precision/recall use. */
  readonly features: tf.Tensor2D;
  /** [B, numClasses]. */
  readonly logits: tf.Tensor2D;
}

/**
 * A plain convolutional classifier written with tfjs ops: 3×3 convolutions with ReLU (the first at
 * full resolution, the others with stride 2), global average pooling, one hidden dense layer with
 * ReLU (the features) and a linear output layer (the logits). Every op it uses has a gradient on
 * tfjs-wasm with @cdm/backend-node's training kernels, so it trains on one CPU core in minutes.
 *
 * Parameters are named like a PyTorch `state_dict` (`convs.0.weight`, `hidden.weight`,
 * `out.weight`, …) and saved in PyTorch's layout (see `small-convnet-checkpoint.ts`).
 */
export interface SmallConvnet {
  readonly config: Required<SmallConvnetConfig>;
  readonly parameterCount: number;
  /** x: [B, imageSize, imageSize, inputChannels] in [−1, 1]. */
  forward(x: tf.Tensor4D): SmallConvnetOutput;
  /** Trainable parameters by name (tfjs layout: conv HWIO, dense [in, out]). */
  parameters(): ReadonlyMap<string, tf.Variable>;
  dispose(): void;
}

/** Checks a config and fills in its defaults. */
export function resolveSmallConvnetConfig(config: SmallConvnetConfig): Required<SmallConvnetConfig> {
  const { imageSize, inputChannels = 3, channels, hidden, numClasses, seed = 0 } = config;
  const positive = (name: string, value: unknown) => {
    if (!Number.isInteger(value) || (value as number) < 1) throw errors.invalidArgument(name, 'a positive integer', value);
  };
  positive('imageSize', imageSize);
  positive('inputChannels', inputChannels);
  positive('hidden', hidden);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw errors.invalidArgument('numClasses', 'an integer ≥ 2', numClasses);
  if (!Array.isArray(channels) || channels.length < 1) throw errors.invalidArgument('channels', 'a non-empty list of positive integers', channels);
  channels.forEach((c, i) => positive(`channels[${i}]`, c));
  if (imageSize % 2 ** (channels.length - 1) !== 0) {
    throw errors.invalidArgument('imageSize', `a multiple of 2^${channels.length - 1} (one halving per convolution after the first)`, imageSize);
  }
  if (!Number.isFinite(seed)) throw errors.invalidArgument('seed', 'a finite number', seed);
  return { imageSize, inputChannels, channels: [...channels], hidden, numClasses, seed };
}

/** Creates the network with He-normal weights and zero biases, drawn from a seeded generator. */
export function createSmallConvnet(config: SmallConvnetConfig): SmallConvnet {
  const c = resolveSmallConvnetConfig(config);
  const rng = createRng(c.seed);
  const params = new Map<string, tf.Variable>();
  const add = (name: string, shape: number[], fanIn: number | undefined) => {
    const init = tf.tidy(() => (fanIn === undefined ? tf.zeros(shape) : tf.mul(randomNormal(rng, shape), Math.sqrt(2 / fanIn))));
    params.set(name, tf.variable(init, true));
    init.dispose();
  };
  let inChannels = c.inputChannels;
  c.channels.forEach((out, i) => {
    add(`convs.${i}.weight`, [3, 3, inChannels, out], 9 * inChannels);
    add(`convs.${i}.bias`, [out], undefined);
    inChannels = out;
  });
  add('hidden.weight', [inChannels, c.hidden], inChannels);
  add('hidden.bias', [c.hidden], undefined);
  add('out.weight', [c.hidden, c.numClasses], c.hidden);
  add('out.bias', [c.numClasses], undefined);
  const parameterCount = [...params.values()].reduce((sum, p) => sum + p.size, 0);
  const p = (name: string) => params.get(name)!;

  return {
    config: c,
    parameterCount,
    forward(x) {
      const [, h, w, ch] = x.shape;
      if (h !== c.imageSize || w !== c.imageSize || ch !== c.inputChannels) {
        throw errors.shapeMismatch('images', `[B, ${c.imageSize}, ${c.imageSize}, ${c.inputChannels}]`, x.shape);
      }
      const out = tf.tidy(() => {
        let y: tf.Tensor4D = x;
        c.channels.forEach((_, i) => {
          const conv = tf.conv2d(y, p(`convs.${i}.weight`) as tf.Tensor4D, i === 0 ? 1 : 2, 'same');
          y = tf.relu(tf.add(conv, p(`convs.${i}.bias`))) as tf.Tensor4D;
        });
        const pooled = tf.mean(y, [1, 2]) as tf.Tensor2D;
        const features = tf.relu(tf.add(tf.matMul(pooled, p('hidden.weight') as tf.Tensor2D), p('hidden.bias'))) as tf.Tensor2D;
        const logits = tf.add(tf.matMul(features, p('out.weight') as tf.Tensor2D), p('out.bias')) as tf.Tensor2D;
        return [features, logits];
      });
      return { features: out[0]!, logits: out[1]! };
    },
    parameters: () => params,
    dispose() {
      tf.dispose([...params.values()]);
      params.clear();
    },
  };
}
