/** What a denoiser predicts: the noise ε, the clean image x_0, or v = √ᾱ·ε − √(1−ᾱ)·x_0 (Salimans & Ho 2022). */
export type ModelOutputType = 'eps' | 'x0' | 'v';

/**
 * How the reverse-process variance is chosen:
 * - `fixedSmall`: the posterior variance β̃_t (DDPM's lower bound choice);
 * - `fixedLarge`: β_t (with β̃ at t = 1 in place of β_1, as the reference does, for a better decoder);
 * - `learnedRange`: the model outputs v ∈ [−1, 1] per pixel and log σ² = ½(v+1)·log β_t + ½(1−v)·log β̃_t.
 */
export type ModelVarianceType = 'fixedSmall' | 'fixedLarge' | 'learnedRange';

export const MODEL_OUTPUT_TYPES: readonly ModelOutputType[] = ['eps', 'x0', 'v'];
export const MODEL_VARIANCE_TYPES: readonly ModelVarianceType[] = ['fixedSmall', 'fixedLarge', 'learnedRange'];
