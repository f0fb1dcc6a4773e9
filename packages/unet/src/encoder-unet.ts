import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, type DenoiserCallOptions } from '@cdm/core';
import { applyBlock } from './apply-layer';
import { parameterSize } from './architecture';
import { attentionPool } from './attention-pool';
import type { BlockContext } from './block-context';
import { buildClassifierArchitecture, type ClassifierArchitecture } from './classifier-architecture';
import { resolveClassifierConfig, type ClassifierConfig, type ResolvedClassifierConfig } from './classifier-config';
import { dropout } from './ops/dropout';
import { groupNorm } from './ops/group-norm';
import { silu } from './ops/silu';
import { createParameterVariables, parameterLookup, type Initialization } from './parameter-variables';
import { embeddingMlp } from './timestep-embedding';

/**
 * A noisy-image classifier p_φ(y | x_t, t) for classifier guidance (Dhariwal & Nichol 2021 §4):
 * logits over `numClasses` for images x_t of the forward process at timesteps t.
 */
export interface Classifier {
  readonly numClasses: number;
  /** Side of the square images it classifies. */
  readonly imageSize: number;
  /** Image channels. */
  readonly channels: number;
  /**
   * x_t: [B, H, W, C] NHWC; t: int32 (or float32) [B] timesteps of the trained process.
   * Returns the logits, float32 [B, numClasses]. `{ training: true }` turns dropout on.
   */
  forward(x: tf.Tensor4D, t: tf.Tensor1D, options?: DenoiserCallOptions): tf.Tensor2D;
  /** Trainable parameters by state-dict name. */
  parameters(): ReadonlyMap<string, tf.Variable>;
  /** Frees the variables; the classifier is unusable afterwards. */
  dispose(): void;
}

/** guided-diffusion's `EncoderUNetModel` as a `Classifier`, with its config and parameter layout. */
export interface AdmClassifier extends Classifier {
  readonly config: ResolvedClassifierConfig;
  readonly architecture: ClassifierArchitecture;
  /** Trainable parameters, counted from shapes. */
  readonly parameterCount: number;
}

export interface CreateClassifierOptions {
  /** 'seeded' (default): PyTorch's default initialisation from `createRng(config.seed)`. 'zeros': for loading weights next. */
  readonly initialize?: Initialization;
}

let instances = 0;
const created = new WeakSet<Classifier>();

/** Whether `classifier` was built by this package. */
export function isAdmClassifier(classifier: Classifier): classifier is AdmClassifier {
  return created.has(classifier);
}

/**
 * Builds the ADM classifier: the U-Net's timestep embedding, input blocks and middle block, then
 * GroupNorm → SiLU → attention pooling (or average pooling) to logits. Variables are keyed by
 * guided-diffusion's state-dict names; each variable's tfjs name carries a `classifier<N>/` prefix.
 */
export function createAdmClassifier(config: ClassifierConfig | ResolvedClassifierConfig, options: CreateClassifierOptions = {}): AdmClassifier {
  const resolved = resolveClassifierConfig(config);
  const architecture = buildClassifierArchitecture(resolved);
  const rng = createRng(resolved.seed);
  const initRng = rng.split();
  const dropoutRng = rng.split();
  const variables = createParameterVariables(architecture.parameters, options.initialize ?? 'seeded', initRng, `classifier${instances++}`);
  const param = parameterLookup(variables);
  let disposed = false;

  const classifier: AdmClassifier = {
    numClasses: resolved.outChannels,
    imageSize: resolved.imageSize,
    channels: resolved.inChannels,
    config: resolved,
    architecture,
    parameterCount: architecture.parameters.reduce((sum, spec) => sum + parameterSize(spec), 0),
    parameters: () => variables,
    forward(x, t, callOptions = {}) {
      if (disposed) throw errors.invalidArgument('classifier', 'a classifier that has not been disposed', 'disposed');
      checkInputs(resolved, x, t);
      const c = resolved;
      return tf.tidy(() => {
        const training = callOptions.training === true && c.dropout > 0;
        const ctx: BlockContext = {
          param,
          normGroups: c.normGroups,
          useScaleShiftNorm: c.useScaleShiftNorm,
          useNewAttentionOrder: c.useNewAttentionOrder,
          dropout: training ? (y) => dropout(y, c.dropout, dropoutRng) : (y) => y,
        };
        const emb = embeddingMlp(param, 'time_embed', t, c.modelChannels);
        let h = x;
        for (const block of architecture.inputBlocks) h = applyBlock(block, h, emb, ctx);
        h = applyBlock(architecture.middleBlock, h, emb, ctx);
        h = silu(groupNorm(h, c.normGroups, param('out.0.weight'), param('out.0.bias')));
        if (c.pool === 'attention') return attentionPool({ prefix: 'out.2', heads: architecture.poolHeads }, h, param);
        const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D; // AdaptiveAvgPool2d((1, 1)) + Flatten
        const kernel = tf.reshape(param('out.3.weight'), [architecture.finalChannels, c.outChannels]) as tf.Tensor2D;
        return tf.add(tf.matMul(pooled, kernel), param('out.3.bias')) as tf.Tensor2D;
      });
    },
    dispose() {
      disposed = true;
      for (const v of variables.values()) v.dispose();
    },
  };
  created.add(classifier);
  return classifier;
}

function checkInputs(c: ResolvedClassifierConfig, x: tf.Tensor4D, t: tf.Tensor1D): void {
  if (c.pool === 'attention') {
    const s = c.imageSize;
    if (x.rank !== 4 || x.shape[1] !== s || x.shape[2] !== s || x.shape[3] !== c.inChannels) {
      throw errors.shapeMismatch('x', `[B, ${s}, ${s}, ${c.inChannels}] (the attention pool's positional embedding fixes the size)`, x.shape);
    }
  } else {
    const factor = 2 ** (c.channelMult.length - 1);
    if (x.rank !== 4 || x.shape[3] !== c.inChannels || x.shape[1] % factor !== 0 || x.shape[2] % factor !== 0) {
      throw errors.shapeMismatch('x', `[B, H, W, ${c.inChannels}] with H and W multiples of ${factor}`, x.shape);
    }
  }
  if (t.rank !== 1 || t.shape[0] !== x.shape[0]) throw errors.shapeMismatch('t', `[${x.shape[0]}]`, t.shape);
}
