import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CascadeManifest } from '@cdm/cascade';

/**
 * What identifies a cascade on any machine: SHA-256 over its cascade.json bytes, the bytes of each
 * plugin it names by path (a local module can change how stages sample; plugins named as packages are
 * identified by their name alone), and, stage by stage, the name and bytes of every file in the
 * stage's checkpoint directory (sorted by name). Two copies of a cascade hash the same wherever they
 * sit; a retrained or edited stage, or an edited local plugin, does not.
 */
export async function cascadeHash(manifestPath: string, manifest: CascadeManifest): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(manifestPath));
  const root = dirname(manifestPath);
  for (const plugin of manifest.plugins ?? []) {
    if (!/^(\.{1,2}[\\/]|\/)/.test(plugin)) continue;
    hash.update(`\0plugin ${plugin}\0`);
    hash.update(await readFile(resolve(root, plugin)).catch(() => new Uint8Array(0))); // a missing file fails when the cascade loads
  }
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
