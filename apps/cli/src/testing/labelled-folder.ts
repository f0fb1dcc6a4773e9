import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '@cdm/core';
import { pngCodec } from '@cdm/backend-node';

/**
 * Writes a labelled image folder for tests: `root/<class>/<i>.png`, `perClass` PNGs of `size`×`size`
 * per class. Class c is told apart by brightness (about 40 + 170·c/(classes − 1)) and, in RGB, by
 * which channel is brightest; every pixel gets seeded noise.
 */
export async function writeLabelledFolder(root: string, options: { classes: readonly string[]; perClass: number; size: number; channels: 1 | 3; seed?: number }): Promise<string> {
  const { classes, perClass, size, channels, seed = 0 } = options;
  const rng = createRng(seed);
  const codec = pngCodec();
  for (const [c, name] of classes.entries()) {
    await mkdir(join(root, name), { recursive: true });
    const base = 40 + (170 * c) / Math.max(1, classes.length - 1);
    for (let i = 0; i < perClass; i++) {
      const data = new Uint8Array(size * size * channels);
      for (let p = 0; p < data.length; p++) {
        const lift = channels === 3 && p % 3 === c % 3 ? 30 : 0;
        data[p] = Math.max(0, Math.min(255, Math.round(base + lift + 12 * rng.normal())));
      }
      await writeFile(join(root, name, `${i}.png`), await codec.encodePng({ width: size, height: size, channels, data }));
    }
  }
  return root;
}
