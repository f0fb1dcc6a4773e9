/**
 * The learning rate of update `update` (0-based): a linear warmup from lr/warmup to lr over the
 * first `warmup` updates, then constant (Imagen/CDM-style; `warmup = 0` means none).
 */
export function warmupLearningRate(lr: number, warmup: number, update: number): number {
  return warmup > 0 ? lr * Math.min(1, (update + 1) / warmup) : lr;
}
