import { errors } from './errors';

/**
 * The most values one batch of images may hold (batch × height × width × channels): 2^27, a
 * 512 MiB float32 tensor. Larger requests are refused with CDM_TOO_LARGE before anything is
 * allocated (a batch of 10^9 would otherwise die in the typed-array allocator or the heap).
 */
export const MAX_BATCH_VALUES = 2 ** 27;

/** Throws CDM_TOO_LARGE when `count` images of `resolution`² × `channels` exceed `MAX_BATCH_VALUES`; `name` is the option as the caller wrote it. */
export function checkBatchFits(name: string, count: number, resolution: number, channels: number): void {
  const perImage = resolution * resolution * channels;
  if (count * perImage <= MAX_BATCH_VALUES) return;
  const most = Math.max(1, Math.floor(MAX_BATCH_VALUES / perImage));
  throw errors.tooLarge(
    `${name} = ${count} (images of ${resolution}×${resolution}×${channels})`,
    `${most} such images at once (${MAX_BATCH_VALUES} values, 512 MiB of float32)`,
    `Use ${name} ${most} or less; for more images, take several batches (training: gradAccumulation)`,
  );
}
