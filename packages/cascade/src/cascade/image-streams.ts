import { batchRng, createRng, type Rng } from '@cdm/core';
import { mixSeeds } from '../datasets/mix-seeds';

/**
 * The random stream of image `index` at stage `stage` of a cascade sampled with `seed`: 128 bits of
 * state hashed from the three numbers (four 32-bit hashes with different salts), so two images of
 * one run do not share noise even among millions.
 */
export function imageRng(seed: number, stage: number, index: number): Rng {
  return createRng([mixSeeds(seed, stage, index, 0), mixSeeds(seed, stage, index, 1), mixSeeds(seed, stage, index, 2), mixSeeds(seed, stage, index, 3)]);
}

/**
 * The generator a stage samples a batch with: images `firstIndex` … `firstIndex + batch − 1` each
 * draw their noise from `imageRng`, so image i depends only on (seed, i), not on the batch it is in
 * (see core's `batchRng`); draws that are not per image come from the stage's own stream.
 */
export function stageBatchRng(seed: number, stage: number, firstIndex: number, batch: number): Rng {
  return batchRng(
    Array.from({ length: batch }, (_, k) => imageRng(seed, stage, firstIndex + k)),
    createRng(mixSeeds(seed, stage)),
  );
}
