import { errors } from './errors';
import type { Rng, RngState } from './rng';

/**
 * One generator per image of a batch behind the `Rng` interface, so that image i's noise does not
 * depend on which batch it is in or how large that batch is. A draw of n values where n is a
 * multiple of the batch size B (a noise tensor [B, …], as samplers and augmentation policies draw
 * it) takes n/B values from each image's own stream, image after image. Every other draw (a scalar,
 * or a count that is not a multiple of B) comes from `shared`, a stream of its own; code that makes
 * such draws gets images that depend on the batch again.
 *
 * `state()` is refused: a batch generator has one state per image (save the seed instead).
 */
export function batchRng(images: readonly Rng[], shared: Rng): Rng {
  const batch = images.length;
  if (batch < 1) throw errors.invalidArgument('images', 'at least one generator', batch);
  const perImage = (n: number, draw: (rng: Rng, count: number) => Float32Array): Float32Array | undefined => {
    if (n % batch !== 0) return undefined;
    const each = n / batch;
    const out = new Float32Array(n);
    images.forEach((rng, i) => out.set(draw(rng, each), i * each));
    return out;
  };
  return {
    uniform: () => shared.uniform(),
    int: (n) => shared.int(n),
    normal: () => shared.normal(),
    normalArray: (n) => perImage(n, (rng, count) => rng.normalArray(count)) ?? shared.normalArray(n),
    uniformArray: (n) => perImage(n, (rng, count) => rng.uniformArray(count)) ?? shared.uniformArray(n),
    split: () => batchRng(images.map((rng) => rng.split()), shared.split()),
    state(): RngState {
      throw errors.invalidArgument('rng', 'a single generator to save the state of (a batch generator keeps one stream per image; save its seed instead)', 'a batch generator');
    },
  };
}
