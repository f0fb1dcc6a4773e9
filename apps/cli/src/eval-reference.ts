import { errors } from '@cdm/core';
import { readLabelledImages, type LabelledImages } from '@cdm/cascade/eval';
import type { LabelledDataset } from './labelled-folder';
import type { CommandContext } from './context';

/** Something with a label space: the cascade, the reference folder, a trained extractor. */
export interface Labelled {
  readonly what: string;
  readonly classNames: readonly string[] | undefined;
}

/** True when both name the same classes in the same order. */
export const sameClassNames = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a !== undefined && b !== undefined && a.length === b.length && a.every((name, i) => name === b[i]);

/**
 * Checks that each pair names the same classes in the same order (labels are class indices).
 * A mismatch is refused with CDM_CLASS_MISMATCH, or with `allow` returned as a warning.
 */
export function checkClassNames(pairs: readonly (readonly [Labelled, Labelled])[], allow: boolean): string[] {
  const warnings: string[] = [];
  for (const [a, b] of pairs) {
    if (sameClassNames(a.classNames, b.classNames)) continue;
    const error = errors.classMismatch(
      a,
      b,
      'Compare with images of the classes the cascade was trained on (its held-out split) and an extractor trained on them (cdm extractor train), or pass --allow-class-mismatch to compare anyway',
    );
    if (!allow) throw error;
    warnings.push(`${error.message.replace(/\. Compare with .*$/, '')}; compared anyway (--allow-class-mismatch): class-wise numbers (CAS, class accuracy) are skipped, and FID, KID and precision/recall compare different things`);
  }
  return warnings;
}

/** Real reference images from a labelled folder: the first `n` of its seeded order (seed 0), as the folder was opened (the cascade's resolution and channels). */
export async function readFolderImages(ctx: CommandContext, dataset: LabelledDataset, root: string, n: number): Promise<LabelledImages> {
  if (n > dataset.size) throw errors.invalidArgument('--n', `at most the ${dataset.size} images of ${root} (real images are not repeated)`, n);
  const task = ctx.progress.start(`read ${root}`, n, { unit: 'images' });
  return readLabelledImages(dataset, {
    count: n,
    seed: 0,
    onProgress: (done) => task.update(done),
    ...(ctx.io.signal === undefined ? {} : { signal: ctx.io.signal }),
  }).finally(() => task.done());
}
