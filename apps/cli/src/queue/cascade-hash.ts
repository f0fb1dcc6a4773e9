import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CascadeManifest } from '@cdm/cascade';

/**
 * What identifies a cascade on any machine: SHA-256 over its cascade.json bytes and, stage by stage,
 * the name and bytes of every file in the stage's checkpoint directory (sorted by name). Two copies
 * of a cascade hash the same wherever they sit; a retrained or edited stage does not.
 */
export async function cascadeHash(manifestPath: string, manifest: CascadeManifest): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(manifestPath));
  const root = dirname(manifestPath);
  for (const stage of manifest.stages) {
    const dir = resolve(root, stage.denoiser.path);
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    for (const name of entries) {
      hash.update(`\0${stage.name}/${name}\0`);
      hash.update(await readFile(join(dir, name)));
    }
  }
  return hash.digest('hex');
}
