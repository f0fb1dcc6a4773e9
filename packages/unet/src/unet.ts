import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, type Denoiser, type DenoiserCondition } from '@cdm/core';
import { buildArchitecture, parameterSize, type UnetArchitecture } from './architecture';
import { resolveUnetConfig, type ResolvedUnetConfig, type UnetConfig } from './config';
import { forwardPass } from './forward-pass';
import { createParameterVariables, parameterLookup } from './parameter-variables';

/** The ADM U-Net as a `Denoiser`, with its config and the shape of every parameter. */
export interface AdmUnet extends Denoiser {
  readonly config: ResolvedUnetConfig;
  readonly architecture: UnetArchitecture;
  /** Trainable parameters, counted from shapes. */
  readonly parameterCount: number;
  /** Disposes every variable; the network is unusable afterwards. */
  dispose(): void;
}

export interface CreateUnetOptions {
  /**
   * 'seeded' (default): PyTorch's default initialisation drawn from `createRng(config.seed)`, the
   * same numbers on every backend. 'zeros': all zero, for a network whose weights are loaded next.
   */
  readonly initialize?: 'seeded' | 'zeros';
  /**
   * Gradient checkpointing in training (`forward(…, { training: true })`): each block keeps only its
   * input for the backward pass and recomputes its activations there. Costs about one more forward
   * pass per training step; saves most of the activation memory, so larger batches fit. Gradients
   * are the same as without it (dropout masks are replayed). Default false: then a single training
   * forward can still ask for it with the call option `{ training: true, gradientCheckpointing: true }`.
   */
  readonly gradientCheckpointing?: boolean;
}

let instances = 0;
/** Every network this module built, so a factory can tell its own from other denoisers. */
const created = new WeakSet<Denoiser>();

/** Whether `denoiser` is an ADM U-Net built by this package. */
export function isAdmUnet(denoiser: Denoiser): denoiser is AdmUnet {
  return created.has(denoiser);
}

/**
 * Builds the network. Variables are created eagerly with `tf.variable`; the map from
 * `parameters()` is keyed by guided-diffusion's state-dict names, and each variable's own tfjs
 * name is that key prefixed with a per-instance `unet<N>/` so several networks can coexist.
 */
export function createAdmUnet(config: UnetConfig | ResolvedUnetConfig, options: CreateUnetOptions = {}): AdmUnet {
  const resolved = resolveUnetConfig(config);
  const architecture = buildArchitecture(resolved);
  const rng = createRng(resolved.seed);
  const initRng = rng.split();
  let dropoutRng = rng.split(); // replaced by loadRandomState when a run resumes
  const variables = createParameterVariables(architecture.parameters, options.initialize ?? 'seeded', initRng, `unet${instances++}`);
  const parameterCount = architecture.parameters.reduce((sum, spec) => sum + parameterSize(spec), 0);
  const param = parameterLookup(variables);
  let disposed = false;

  const model: AdmUnet = {
    output: resolved.output,
    learnSigma: resolved.learnSigma,
    channels: resolved.inChannels,
    imageSize: resolved.imageSize,
    numClassEmbeddings: architecture.labelRows,
    config: resolved,
    architecture,
    parameterCount,
    parameters: () => variables,
    randomState: () => dropoutRng.state(),
    loadRandomState(state) {
      dropoutRng = createRng(state);
    },
    forward(x, t, cond, callOptions) {
      if (disposed) throw errors.invalidArgument('network', 'a network that has not been disposed', 'disposed');
      checkInputs(resolved, x, t, cond);
      const training = callOptions?.training === true;
      // Either the network's own option or the call's hint turns checkpointing on.
      const checkpoint = training && (options.gradientCheckpointing === true || callOptions?.gradientCheckpointing === true);
      // Activations are freed as the forward goes in training too: the tape keeps what its backward needs.
      const plan = { release: true, fuseBias: !training, checkpoint };
      return tf.tidy(() => forwardPass(resolved, architecture, param, dropoutRng, x, t, cond ?? {}, callOptions ?? {}, plan));
    },
    dispose() {
      disposed = true;
      for (const v of variables.values()) v.dispose();
    },
  };
  created.add(model);
  return model;
}

function checkInputs(c: ResolvedUnetConfig, x: tf.Tensor4D, t: tf.Tensor1D, cond: DenoiserCondition | undefined): void {
  const factor = 2 ** (c.channelMult.length - 1);
  const expected = `[B, H, W, ${c.inChannels}] with H and W multiples of ${factor}`;
  if (x.rank !== 4 || x.shape[3] !== c.inChannels || x.shape[1] % factor !== 0 || x.shape[2] % factor !== 0) {
    throw errors.shapeMismatch('x', expected, x.shape);
  }
  const b = x.shape[0];
  if (t.rank !== 1 || t.shape[0] !== b) throw errors.shapeMismatch('t', `[${b}]`, t.shape);
  const labels = cond?.classLabels;
  if (c.numClasses !== null) {
    if (labels === undefined) throw errors.invalidArgument('cond.classLabels', `int32 [${b}] labels for a class-conditional network`, undefined);
    if (labels.rank !== 1 || labels.shape[0] !== b) throw errors.shapeMismatch('cond.classLabels', `[${b}]`, labels.shape);
  } else if (labels !== undefined) {
    throw errors.invalidArgument('cond.classLabels', 'undefined: the network is unconditional (config.numClasses is null)', labels.shape);
  }
  const lowRes = cond?.lowRes;
  if (c.superRes !== null) {
    const ch = c.superRes.lowResChannels;
    if (lowRes === undefined) throw errors.invalidArgument('cond.lowRes', `a [${b}, h, w, ${ch}] image for a super-resolution network`, undefined);
    if (lowRes.rank !== 4 || lowRes.shape[0] !== b || lowRes.shape[3] !== ch) throw errors.shapeMismatch('cond.lowRes', `[${b}, h, w, ${ch}]`, lowRes.shape);
  } else if (lowRes !== undefined) {
    throw errors.invalidArgument('cond.lowRes', 'undefined: the network is not a super-resolution one (config.superRes is null)', lowRes.shape);
  }
  const augLevel = cond?.augLevel;
  if (c.augLevelEmbedding) {
    if (augLevel === undefined) throw errors.invalidArgument('cond.augLevel', `float32 [${b}] augmentation levels (0 = clean)`, undefined);
    if (augLevel.rank !== 1 || augLevel.shape[0] !== b) throw errors.shapeMismatch('cond.augLevel', `[${b}]`, augLevel.shape);
  } else if (augLevel !== undefined) {
    throw errors.invalidArgument('cond.augLevel', 'undefined: the network has no augmentation-level embedding (config.augLevelEmbedding)', augLevel.shape);
  }
}
