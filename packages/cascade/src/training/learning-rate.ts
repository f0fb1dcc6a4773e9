/** What the learning rate does after warmup: stay at `lr`, or follow a half cosine down to `minLr`. */
export type LearningRateSchedule = 'constant' | 'cosine';
export const LEARNING_RATE_SCHEDULES: readonly LearningRateSchedule[] = ['constant', 'cosine'];

/** The learning-rate settings of a run (`trainStage`'s `lr`, `warmup`, `lrSchedule`, `minLr`, `lrDecaySteps`). */
export interface LearningRateSettings {
  readonly lr: number;
  /** Updates of linear warmup (0: none). */
  readonly warmup: number;
  readonly schedule: LearningRateSchedule;
  /** Cosine only: the rate the decay ends at. */
  readonly minLr: number;
  /** Cosine only: the update at which the decay reaches `minLr` (it stays there after). */
  readonly decaySteps: number;
}

/**
 * The learning rate of update `update` (0-based): a linear warmup from lr/warmup to lr over the
 * first `warmup` updates, then constant (Imagen/CDM-style; `warmup = 0` means none).
 */
export function warmupLearningRate(lr: number, warmup: number, update: number): number {
  return warmup > 0 ? lr * Math.min(1, (update + 1) / warmup) : lr;
}

/**
 * The learning rate of update `update` (0-based): the linear warmup of `warmupLearningRate`, then
 * either constant or cosine decay (Loshchilov & Hutter 2017, without restarts):
 * minLr + (lr − minLr)·½(1 + cos(π·p)) with p = (update − warmup) / (decaySteps − warmup), capped at 1.
 * A pure function of the update number, so a resumed run gets exactly the rates of a straight one.
 */
export function learningRate(settings: LearningRateSettings, update: number): number {
  const { lr, warmup, schedule, minLr, decaySteps } = settings;
  if (schedule === 'constant' || update < warmup) return warmupLearningRate(lr, warmup, update);
  const progress = Math.min(1, (update - warmup) / (decaySteps - warmup));
  return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
