import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Denoiser, type ModelOutputType } from '@cdm/core';

export interface TinyDenoiserOptions {
  readonly channels?: number;
  readonly hidden?: number;
  readonly output?: ModelOutputType;
  readonly learnSigma?: boolean;
  /** Class-conditional with this many classes (plus a null row when `nullClass`). */
  readonly numClasses?: number;
  readonly nullClass?: boolean;
  /** Super-resolution: concatenates `cond.lowRes` (already at the stage resolution) and embeds `cond.augLevel`. */
  readonly superResolution?: boolean;
  readonly seed?: number;
}

/**
 * A small but real denoiser for tests of the cascade: conv 3×3 → + (time, class, aug-level)
 * embedding → SiLU → conv 3×3 → SiLU → conv 3×3, with named variables and seeded initialisation.
 * Trains in seconds on the cpu backend; it is not the ADM U-Net (that is @cdm/unet).
 */
export function tinyDenoiser(options: TinyDenoiserOptions = {}): Denoiser & { dispose(): void } {
  const { channels = 3, hidden = 16, output = 'eps', learnSigma = false, numClasses, nullClass = false, superResolution = false } = options;
  const rng = createRng(options.seed ?? 0);
  const inChannels = superResolution ? 2 * channels : channels;
  const outChannels = learnSigma ? 2 * channels : channels;
  const params = new Map<string, tf.Variable>();
  const variable = (name: string, shape: number[], scale: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = scale === 0 ? new Float32Array(size) : rng.normalArray(size).map((v) => v * scale);
    // tfjs variable names are global: leave them unnamed (unique); the map keys are the parameter names.
    params.set(name, tf.tidy(() => tf.variable(tf.tensor(values, shape), true))); // tidy frees the initial tensor
  };
  variable('in.weight', [3, 3, inChannels, hidden], Math.sqrt(2 / (9 * inChannels)));
  variable('in.bias', [hidden], 0);
  variable('time.weight', [32, hidden], Math.sqrt(1 / 32));
  if (numClasses !== undefined) variable('label.weight', [numClasses + (nullClass ? 1 : 0), hidden], 1);
  if (superResolution) variable('aug.weight', [32, hidden], Math.sqrt(1 / 32));
  variable('mid.weight', [3, 3, hidden, hidden], Math.sqrt(2 / (9 * hidden)));
  variable('mid.bias', [hidden], 0);
  variable('out.weight', [3, 3, hidden, outChannels], Math.sqrt(1 / (9 * hidden)));
  variable('out.bias', [outChannels], 0);
  const p = (name: string) => params.get(name)!;

  /** Sinusoidal embedding of [B] values into [B, 32]. */
  const embed = (t: tf.Tensor1D) =>
    tf.tidy(() => {
      const frequencies = tf.exp(tf.mul(tf.range(0, 16), -Math.log(10_000) / 16));
      const angles = tf.mul(tf.expandDims(tf.cast(t, 'float32'), 1), tf.expandDims(frequencies, 0));
      return tf.concat([tf.cos(angles), tf.sin(angles)], 1);
    });

  return {
    output,
    learnSigma,
    channels,
    forward(x, t, cond = {}) {
      return tf.tidy(() => {
        const input = superResolution ? tf.concat([x, cond.lowRes!], 3) : x;
        let emb = tf.matMul(embed(t), p('time.weight'));
        if (numClasses !== undefined && cond.classLabels !== undefined) {
          const rows = numClasses + (nullClass ? 1 : 0);
          emb = tf.add(emb, tf.matMul(tf.oneHot(tf.cast(cond.classLabels, 'int32'), rows), p('label.weight')));
        }
        if (superResolution && cond.augLevel !== undefined) emb = tf.add(emb, tf.matMul(embed(cond.augLevel), p('aug.weight')));
        let h = tf.add(tf.conv2d(input, p('in.weight') as tf.Tensor4D, 1, 'same'), p('in.bias'));
        h = tf.add(h, tf.reshape(emb, [-1, 1, 1, hidden]));
        h = tf.mul(h, tf.sigmoid(h));
        h = tf.add(tf.conv2d(h as tf.Tensor4D, p('mid.weight') as tf.Tensor4D, 1, 'same'), p('mid.bias'));
        h = tf.mul(h, tf.sigmoid(h));
        return tf.add(tf.conv2d(h as tf.Tensor4D, p('out.weight') as tf.Tensor4D, 1, 'same'), p('out.bias')) as tf.Tensor4D;
      });
    },
    parameters: () => params,
    dispose: () => params.forEach((v) => v.dispose()),
  };
}
