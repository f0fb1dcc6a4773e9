import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CascadeManifest } from '@cdm/cascade';
import { tempDir } from '../testing/micro-cascade';
import { cascadeHash } from './cascade-hash';

/** A cascade on disk without networks: cascade.json, one stage directory, a local plugin. */
async function writeCascade(dir: string): Promise<{ path: string; manifest: CascadeManifest }> {
  const manifest = {
    format: 'cdm-cascade',
    version: 1,
    plugins: ['@cdm/augment', './my-plugin.mjs'],
    stages: [{ name: 'base', resolution: 8, denoiser: { type: 'adm-unet', path: 'base' }, diffusion: { schedule: 'cosine', timesteps: 10 } }],
  } as CascadeManifest;
  const path = join(dir, 'cascade.json');
  await writeFile(path, JSON.stringify(manifest));
  await mkdir(join(dir, 'base'), { recursive: true });
  await writeFile(join(dir, 'base', 'config.json'), '{"imageSize":8}');
  await writeFile(join(dir, 'base', 'model.safetensors'), new Uint8Array([1, 2, 3]));
  await writeFile(join(dir, 'my-plugin.mjs'), 'export function register() {}\n');
  return { path, manifest };
}

describe('cascadeHash', () => {
  it('is the same for two copies anywhere, and changes with a stage file or a local plugin', async () => {
    const a = await writeCascade(await tempDir('cdm-hash-a-'));
    const b = await writeCascade(await tempDir('cdm-hash-b-'));
    const hash = await cascadeHash(a.path, a.manifest);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await cascadeHash(b.path, b.manifest)).toBe(hash);

    await writeFile(join(b.path, '..', 'my-plugin.mjs'), 'export function register(r) { r.x = 1; }\n');
    const plugin = await cascadeHash(b.path, b.manifest);
    expect(plugin).not.toBe(hash);

    const weights = join(a.path, '..', 'base', 'model.safetensors');
    await writeFile(weights, new Uint8Array([...(await readFile(weights)), 4]));
    const stage = await cascadeHash(a.path, a.manifest);
    expect(stage).not.toBe(hash);
    expect(stage).not.toBe(plugin);
  });
});
