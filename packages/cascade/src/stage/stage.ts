import {
  errors,
  samplers as defaultSamplers,
  type AugmentationPolicy,
  type Denoiser,
  type GaussianDiffusion,
  type Registry,
  type ResizeMethod,
  type SamplerFactory,
  type TimestepSpacing,
} from '@cdm/core';
import type { NoisyClassifier } from '../classifier/noisy-classifier';

/** How a super-resolution stage brings its low-resolution input up to its own resolution. */
export type Upsampler = ResizeMethod;

/**
 * How a stage samples unless a call says otherwise; a sampling call's per-stage parameters have the
 * same shape and override these field by field.
 */
export interface StageSampleParams {
  /** A registered sampler name ('ddpm', 'ddim', …). */
  readonly sampler?: string;
  readonly steps?: TimestepSpacing;
  readonly eta?: number;
  /** Classifier-free guidance weight w (1 = none). Needs a stage with a `nullClass`. */
  readonly guidanceScale?: number;
  /**
   * Classifier guidance scale s ≥ 0 (Dhariwal & Nichol 2021): 0 = none, 1 = plain conditioning on
   * the class. Needs a stage with a `classifier` and class labels. Default 1 when the stage has a
   * classifier (as guided-diffusion's `classifier_sample.py`), else 0.
   */
  readonly classifierScale?: number;
  /** Super-resolution stages: the conditioning-augmentation level s to condition on. Default 0. */
  readonly augLevel?: number;
  /**
   * Super-resolution stages: truncated conditioning augmentation. The previous stage stops its
   * reverse process at level s = `augLevel` and hands over z_s instead of a finished z_0.
   */
  readonly truncate?: boolean;
}

export interface StageOptions {
  /** For logs, progress events and checkpoints. Default `stage-<resolution>`. */
  readonly name?: string;
  /** Side of the square images this stage produces. */
  readonly resolution: number;
  /** Image channels. Default 3. */
  readonly channels?: number;
  readonly denoiser: Denoiser;
  /** The trained process (schedule, parameterisation, variance, loss). */
  readonly diffusion: GaussianDiffusion;
  /** Default sampling parameters. Default: DDIM over 50 steps where T allows (else all steps), w = 1, s = 0. */
  readonly defaults?: StageSampleParams;
  /** Classes of a class-conditional stage; its labels are 0…numClasses−1. */
  readonly numClasses?: number;
  /** The label that means "no class" (classifier-free guidance); the denoiser must have a row for it. */
  readonly nullClass?: number;
  /** Super-resolution only: the resolution of the conditioning image (the previous stage's). */
  readonly lowResolution?: number;
  /** Super-resolution only: how the conditioning image is upsampled. Default 'bilinear'. */
  readonly upsample?: Upsampler;
  /** Super-resolution only: conditioning augmentation. */
  readonly augmentation?: AugmentationPolicy;
  /**
   * A noisy-image classifier p(y | x_t, t) for classifier guidance, trained on this stage's
   * diffusion process (`trainClassifier`); sampling uses it at `classifierScale`.
   */
  readonly classifier?: NoisyClassifier;
}

/**
 * One model of a cascade: a denoiser with its diffusion process, default sampler and, for a
 * super-resolution stage, the low resolution it is conditioned on, how that image is upsampled,
 * and its conditioning-augmentation policy (Ho et al. 2021, §3–4).
 */
export interface Stage {
  readonly name: string;
  readonly resolution: number;
  readonly channels: number;
  readonly denoiser: Denoiser;
  readonly diffusion: GaussianDiffusion;
  readonly defaults: StageSampleParams & { readonly sampler: string };
  readonly numClasses: number | undefined;
  readonly nullClass: number | undefined;
  readonly superResolution: { readonly lowResolution: number; readonly upsample: Upsampler; readonly augmentation: AugmentationPolicy | undefined } | undefined;
  readonly classifier: NoisyClassifier | undefined;
}

const positiveInteger = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value > 0;

/**
 * The stage's labels must index the network's class embedding: an unconditional network for a stage
 * without classes; numClasses rows (or one more, unused, when the stage declares no null class); with
 * a null class, numClasses + 1 rows, the last being the null class.
 */
function checkClassEmbeddings(name: string, rows: number | undefined, numClasses: number | undefined, nullClass: number | undefined): void {
  if (rows === undefined) return;
  const fits = rows === 0 ? numClasses === undefined : numClasses !== undefined && (nullClass === undefined ? numClasses === rows || numClasses === rows - 1 : numClasses + 1 === rows);
  if (fits) return;
  const expected =
    rows === 0
      ? 'no numClasses or nullClass: its network is unconditional'
      : `numClasses and nullClass that fit the network's ${rows} class-embedding rows (numClasses ${rows - 1} with nullClass ${rows - 1}, or numClasses ${rows} without a null class)`;
  throw errors.invalidArgument(`${name}: numClasses/nullClass`, expected, `numClasses ${numClasses ?? 'unset'}, nullClass ${nullClass ?? 'unset'}`);
}

/** Validates and completes stage options. */
export function createStage(options: StageOptions, samplerRegistry: Registry<SamplerFactory> = defaultSamplers): Stage {
  const { resolution, channels = 3, denoiser, diffusion } = options;
  const name = options.name ?? `stage-${resolution}`;
  if (!positiveInteger(resolution)) throw errors.invalidArgument(`${name}: resolution`, 'a positive integer', resolution);
  if (!positiveInteger(channels)) throw errors.invalidArgument(`${name}: channels`, 'a positive integer', channels);
  if (denoiser.channels !== channels) throw errors.invalidArgument(`${name}: denoiser.channels`, `${channels} (the stage's channels)`, denoiser.channels);
  if (denoiser.imageSize !== undefined && denoiser.imageSize !== resolution) {
    throw errors.invalidArgument(`${name}: resolution`, `${denoiser.imageSize}, the resolution its network was built for`, resolution);
  }
  if (denoiser.output !== diffusion.modelOutput) {
    throw errors.invalidArgument(`${name}: denoiser.output`, `'${diffusion.modelOutput}' (what the diffusion expects)`, denoiser.output);
  }
  if (denoiser.learnSigma !== (diffusion.modelVariance === 'learnedRange')) {
    throw errors.invalidArgument(`${name}: denoiser.learnSigma`, `${diffusion.modelVariance === 'learnedRange'} for modelVariance '${diffusion.modelVariance}'`, denoiser.learnSigma);
  }
  const defaults = {
    ...(options.defaults?.sampler === undefined ? { steps: diffusion.numTimesteps % 50 === 0 ? 'ddim50' : diffusion.numTimesteps } : {}),
    ...options.defaults,
    sampler: options.defaults?.sampler ?? 'ddim',
  };
  samplerRegistry.get(defaults.sampler); // unknown names fail here, with the registered list
  const { numClasses, nullClass } = options;
  if (numClasses !== undefined && !positiveInteger(numClasses)) throw errors.invalidArgument(`${name}: numClasses`, 'a positive integer', numClasses);
  if (nullClass !== undefined && nullClass !== numClasses) {
    throw errors.invalidArgument(`${name}: nullClass`, `numClasses (${numClasses}), the extra row for "no class"`, nullClass);
  }
  checkClassEmbeddings(name, denoiser.numClassEmbeddings, numClasses, nullClass);
  let superResolution: Stage['superResolution'];
  if (options.lowResolution !== undefined) {
    const { lowResolution, upsample = 'bilinear', augmentation } = options;
    if (!positiveInteger(lowResolution) || lowResolution >= resolution) {
      throw errors.invalidArgument(`${name}: lowResolution`, `a positive integer below the stage's resolution ${resolution}`, lowResolution);
    }
    if (upsample !== 'bilinear' && upsample !== 'bicubic') throw errors.invalidArgument(`${name}: upsample`, "'bilinear' or 'bicubic'", upsample);
    superResolution = { lowResolution, upsample, augmentation };
  } else if (options.augmentation !== undefined || options.upsample !== undefined) {
    throw errors.invalidArgument(`${name}: lowResolution`, 'a value: augmentation and upsample apply to super-resolution stages only', undefined);
  }
  const { classifier } = options;
  if (classifier !== undefined) {
    if (classifier.imageSize !== resolution) throw errors.invalidArgument(`${name}: classifier.imageSize`, `${resolution} (the stage's resolution)`, classifier.imageSize);
    if (classifier.channels !== channels) throw errors.invalidArgument(`${name}: classifier.channels`, `${channels} (the stage's channels)`, classifier.channels);
    if (numClasses !== undefined && classifier.numClasses !== numClasses) {
      throw errors.invalidArgument(`${name}: classifier.numClasses`, `${numClasses} (the stage's classes)`, classifier.numClasses);
    }
  }
  return Object.freeze({ name, resolution, channels, denoiser, diffusion, defaults, numClasses, nullClass, superResolution, classifier });
}
