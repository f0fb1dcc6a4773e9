/** What a downloaded PNG shows: one image of a stage, or the stage's whole grid. */
export interface DownloadSubject {
  readonly stageName: string;
  /** The class's name (or "class 3"); undefined for an unconditional cascade. */
  readonly className: string | undefined;
  readonly seed: number;
  /** The image's index in the batch; undefined for the grid. */
  readonly index: number | undefined;
}

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'x';

/**
 * A file name that tells downloads apart: cascade stage, class, seed and image, e.g.
 * `cdm-sr32-ring-seed7-image1.png` or `cdm-base-ring-seed7-grid.png` (images counted from 1).
 */
export function downloadName({ stageName, className, seed, index }: DownloadSubject): string {
  const parts = ['cdm', slug(stageName), ...(className === undefined ? [] : [slug(className)]), `seed${seed}`, index === undefined ? 'grid' : `image${index + 1}`];
  return `${parts.join('-')}.png`;
}
