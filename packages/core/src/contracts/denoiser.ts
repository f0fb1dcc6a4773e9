import type { RngState } from '../rng';
import type { Tensor, Tensor1D, Tensor4D, Variable } from '@tensorflow/tfjs-core';
import type { Storage } from './storage';
import type { ModelOutputType } from '../diffusion/parameterization';

/** What a denoiser is conditioned on besides x_t and t. Images are NHWC in [−1, 1]. */
export interface DenoiserCondition {
  /** int32 [B] class indices (for classifier-free guidance, the null class is `numClasses`). */
  readonly classLabels?: Tensor1D;
  /** The previous stage's output, already upsampled to this stage's resolution: [B, H, W, C]. */
  readonly lowRes?: Tensor4D;
  /** float32 [B] conditioning-augmentation level s, embedded like a second timestep (0 = clean). */
  readonly augLevel?: Tensor1D;
}

export interface DenoiserCallOptions {
  /** Training mode (dropout on). Default false. */
  readonly training?: boolean;
  /**
   * A hint for a training forward (`training: true`): a denoiser that supports gradient
   * checkpointing keeps only each block's input for the backward pass and recomputes the block's
   * activations there. The gradients are the same (to float rounding), for much less memory and
   * about one more forward pass per step. A denoiser that does not support it ignores it, and so
   * does an inference forward. Default false.
   */
  readonly gradientCheckpointing?: boolean;
}

/**
 * A network that, given x_t and timesteps t, predicts the diffusion's output (ε, x_0 or v) and,
 * when it learns variances, a second block of channels with the interpolation value v ∈ [−1, 1].
 */
export interface Denoiser {
  /** What the first `channels` output channels predict. */
  readonly output: ModelOutputType;
  /** When true the output has 2·channels channels: prediction then variance interpolation. */
  readonly learnSigma: boolean;
  /** Image channels C of x_t. */
  readonly channels: number;
  /**
   * Optional: the resolution the network was built for (its attention and down-sampling levels
   * depend on it). A stage of another resolution is refused. Leave it out for a network that takes
   * any size.
   */
  readonly imageSize?: number;
  /**
   * Optional: how many class labels the network embeds, labels 0…n−1 (with classifier-free guidance
   * the last one is the null class); 0 for an unconditional network. A stage whose numClasses and
   * nullClass call for another count is refused, so labels never index the wrong rows.
   */
  readonly numClassEmbeddings?: number;
  /**
   * x_t: [B, H, W, C]; t: int32 [B] timesteps of the trained process (a respaced sampler maps its
   * indices before calling). Returns [B, H, W, C] or [B, H, W, 2C].
   */
  forward(x: Tensor4D, t: Tensor1D, cond?: DenoiserCondition, options?: DenoiserCallOptions): Tensor4D;
  /** Trainable parameters by name (names follow the reference PyTorch state-dict keys). */
  parameters(): ReadonlyMap<string, Variable>;
  /**
   * Optional, for networks that draw random numbers of their own in training mode (dropout masks):
   * the state of that generator, which training checkpoints save so that a resumed run draws the
   * masks an uninterrupted one would.
   */
  randomState?(): RngState;
  /** Optional: continue the network's own random draws from a saved `randomState()`. */
  loadRandomState?(state: RngState): void;
  /** Frees the network's variables; the denoiser is unusable afterwards. */
  dispose(): void;
}

/**
 * The model as the sampling loop and the likelihood evaluation call it: x_t [B, H, W, C] and model
 * timesteps int32 [B]. A `Denoiser` fits as `(x, t, c) => denoiser.forward(x, t, c)`.
 */
export type DenoiseFn = (x: Tensor4D, t: Tensor1D, condition: DenoiserCondition | undefined) => Tensor4D;

export interface DenoiserLoadOptions {
  /** Which weights to load: the trained ones (`model`, default) or their exponential moving average (`ema`). */
  readonly weights?: 'model' | 'ema';
  readonly signal?: AbortSignal;
}

export interface DenoiserSaveOptions {
  /** EMA weights keyed like `parameters()`, saved beside the model's. */
  readonly ema?: ReadonlyMap<string, Tensor>;
}

/**
 * A named kind of network that a `cascade.json` refers to (e.g. `'adm-unet'`): builds a denoiser
 * from its JSON config (validating it with coded errors) and reads and writes its checkpoint
 * directories through any `Storage`, so the same files load in Node and in a browser.
 */
export interface DenoiserFactory {
  readonly name: string;
  create(config: unknown): Denoiser;
  /** Builds the network a checkpoint directory describes and loads its weights. */
  load(storage: Storage, dir: string, options?: DenoiserLoadOptions): Promise<Denoiser>;
  /** Writes a checkpoint directory that `load` reads back. Refuses denoisers it did not create. */
  save(storage: Storage, dir: string, denoiser: Denoiser, options?: DenoiserSaveOptions): Promise<void>;
}
