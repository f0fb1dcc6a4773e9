import { bootstrapFid, bootstrapPrecisionRecall, featureStatistics, fid, inceptionScore, kid, precisionRecall, type FeatureExtractor, type FeatureSet, type FeatureStatistics } from '@cdm/cascade/eval';
import type { Metric } from './commands/eval';
import type { CommandContext } from './context';
import type { MetricRow } from './eval-table';

/** Why FID's bootstrap interval sits above the full-set value; written next to it in eval.json. */
const FID_BOOTSTRAP_NOTE =
  'Percentile interval and std of the FIDs of resampled sets (both sets drawn with replacement). FID is biased upward at finite n and a resample has about 63 % distinct images, so the interval lies above the full-set value: it shows how much FID moves with the sample, not a confidence interval for an unbiased FID.';

export interface FeatureMetricsInput {
  readonly requested: readonly Metric[];
  readonly extractor: FeatureExtractor;
  readonly fake: FeatureSet;
  /** The real features (computed on first use). */
  readonly real: () => Promise<Float32Array>;
  readonly reference: FeatureStatistics;
  readonly n: number;
  /** Precision/recall neighbours, Inception Score splits. */
  readonly k: number;
  readonly splits: number;
  /** Bootstrap resamples (0: none); seeds the bootstrap and KID's subsets. */
  readonly resamples: number;
  readonly seed: number;
  readonly kidSubsets: number;
  readonly kidSubsetSize: number;
}

/**
 * The metrics of `cdm eval` that compare feature sets (FID, KID, Inception Score, precision/recall),
 * each with its interval or spread: one line per metric for people, the eval.json entries, and the
 * rows of the summary table.
 */
export async function featureMetrics(ctx: CommandContext, input: FeatureMetricsInput): Promise<{ metrics: Record<string, unknown>; rows: MetricRow[] }> {
  const { requested, extractor, fake, real, n, k, splits, resamples, seed } = input;
  const metrics: Record<string, unknown> = {};
  const rows: MetricRow[] = [];
  const d = fake.featureDim;
  const how = resamples === 0 ? 'no interval (--bootstrap 0)' : `bootstrap, B = ${resamples}`;
  if (requested.includes('fid')) {
    const result = fid(featureStatistics(fake.features, n, d, extractor.name), input.reference);
    const boot = resamples === 0 ? undefined : bootstrapFid(await real(), fake.features, n, n, d, { resamples, seed });
    const { fid: value, ...rest } = result;
    metrics.fid = { value, ...rest, ...(boot === undefined ? {} : { bootstrap: { ...boot, seed, note: FID_BOOTSTRAP_NOTE } }) };
    ctx.say(`FID (${extractor.name}, ${n} vs ${n}): ${value.toFixed(3)}`);
    rows.push({ metric: 'FID', value, ...(boot === undefined ? {} : { low: boot.low, high: boot.high, std: boot.std }), how });
  }
  if (requested.includes('kid')) {
    const result = kid(await real(), fake.features, n, n, d, { subsets: input.kidSubsets, subsetSize: input.kidSubsetSize, seed, extractor: extractor.name });
    metrics.kid = { ...result, seed };
    ctx.say(`KID (${extractor.name}, ${result.subsets} subsets of ${result.subsetSize}): ${result.mean.toPrecision(4)} ± ${result.std.toPrecision(2)}`);
    rows.push({ metric: 'KID', value: result.mean, std: result.std, how: `std over ${result.subsets} subsets of ${result.subsetSize}` });
  }
  if (requested.includes('is')) {
    if (fake.logits === undefined) {
      metrics.is = { skipped: `${extractor.name} gives no logits (pass --logits-node)` };
    } else {
      const result = inceptionScore(fake.logits, n, extractor.numClasses!, splits, extractor.name);
      metrics.is = result;
      ctx.say(`Inception Score (${extractor.name}, ${splits} splits): ${result.mean.toFixed(3)} ± ${result.std.toFixed(3)}`);
      rows.push({ metric: 'Inception Score', value: result.mean, std: result.std, how: `std over ${splits} splits` });
    }
  }
  if (requested.includes('pr')) {
    const realSet = await real();
    const result = precisionRecall(realSet, fake.features, n, d, k, { extractor: extractor.name });
    const boot = resamples === 0 ? undefined : bootstrapPrecisionRecall(realSet, fake.features, n, d, k, { resamples, seed });
    metrics.pr = { ...result, ...(boot === undefined ? {} : { bootstrap: { ...boot, seed } }) };
    ctx.say(`Precision / recall (${extractor.name}, k = ${k}): ${result.precision.toFixed(3)} / ${result.recall.toFixed(3)}`);
    for (const which of ['precision', 'recall'] as const) {
      const b = boot?.[which];
      rows.push({ metric: which, value: result[which], ...(b === undefined ? {} : { low: b.low, high: b.high, std: b.std }), how });
    }
  }
  return { metrics, rows };
}
