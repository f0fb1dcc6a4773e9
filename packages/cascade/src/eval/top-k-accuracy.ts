import { errors } from '@cdm/core';
import { checkFeatures } from './feature-statistics';

/**
 * Fraction of rows whose label is among the k largest logits: a label counts as within the top k
 * when fewer than k classes have a strictly larger logit (ties favour the label).
 */
export function topKAccuracy(logits: ArrayLike<number>, labels: ArrayLike<number>, n: number, classes: number, k: number): number {
  checkFeatures('logits', logits, n, classes);
  if (labels.length !== n) throw errors.invalidArgument('labels', `${n} labels`, `${labels.length} labels`);
  if (!Number.isInteger(k) || k < 1) throw errors.invalidArgument('k', 'a positive integer', k);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw errors.invalidArgument(`labels[${i}]`, `a class in 0…${classes - 1}`, label);
    const target = logits[i * classes + label]!;
    let above = 0;
    for (let c = 0; c < classes; c++) if (logits[i * classes + c]! > target) above++;
    if (above < k) hits++;
  }
  return hits / n;
}
