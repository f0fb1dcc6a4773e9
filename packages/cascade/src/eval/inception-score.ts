import { errors } from '@cdm/core';
import { checkFeatures } from './feature-statistics';

/** The Inception Score over splits, and the extractor that produced the logits. */
export interface InceptionScoreResult {
  /** Mean and (population) standard deviation of exp(E_x KL(p(y|x) ‖ p(y))) over the splits. */
  readonly mean: number;
  readonly std: number;
  readonly splits: number;
  readonly extractor?: string;
}

/**
 * The Inception Score (Salimans et al. 2016): the samples are cut into `splits` consecutive parts;
 * in each, p(y) is the mean of the softmax p(y|x) and the score is exp of the mean KL(p(y|x) ‖ p(y)).
 * Log-probabilities come from a float64 log-softmax of the logits, so confident (one-hot) logits
 * are exact. Ranges from 1 (every prediction the same, or uniform) to the number of classes.
 */
export function inceptionScore(logits: ArrayLike<number>, n: number, classes: number, splits = 10, extractor?: string): InceptionScoreResult {
  checkFeatures('logits', logits, n, classes);
  if (!Number.isInteger(splits) || splits < 1 || splits > n) throw errors.invalidArgument('splits', `an integer in 1…${n} (the number of samples)`, splits);
  // log p(y|x) per row, in float64.
  const logP = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[i * classes + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i * classes + c]! - max);
    const logSum = max + Math.log(sum);
    for (let c = 0; c < classes; c++) logP[i * classes + c] = logits[i * classes + c]! - logSum;
  }
  const scores: number[] = [];
  for (let s = 0; s < splits; s++) {
    const start = Math.floor((s * n) / splits);
    const end = Math.floor(((s + 1) * n) / splits);
    const marginal = new Float64Array(classes);
    for (let i = start; i < end; i++) for (let c = 0; c < classes; c++) marginal[c]! += Math.exp(logP[i * classes + c]!);
    const logMarginal = marginal.map((p) => Math.log(p / (end - start)));
    let kl = 0;
    for (let i = start; i < end; i++) {
      for (let c = 0; c < classes; c++) {
        const lp = logP[i * classes + c]!;
        const p = Math.exp(lp);
        if (p > 0) kl += p * (lp - logMarginal[c]!);
      }
    }
    scores.push(Math.exp(kl / (end - start)));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / splits;
  const std = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / splits);
  return { mean, std, splits, ...(extractor === undefined ? {} : { extractor }) };
}
