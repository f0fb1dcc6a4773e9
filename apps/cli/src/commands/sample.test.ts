import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { pngCodec } from '@cdm/backend-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdm, tempDir, writeMicroCascade } from '../testing/micro-cascade';

let dir: string;
let manifest: string;

beforeAll(async () => {
  dir = await tempDir();
  manifest = await writeMicroCascade(dir);
});

describe('cdm sample', () => {
  it('samples a two-stage cascade into a PNG grid of the right size, with per-stage flags', async () => {
    const before = tf.memory().numTensors;
    const out = join(dir, 'grid.png');
    const { code, stdout, stderr } = await cdm(
      ['sample', manifest, '--classes', '0,star', '--n', '5', '--seed', '3', '--steps', '3,2', '--sampler', 'ddim', '--aug-level', ',10', '--guidance', '2,1', '--out', out, '--out-dir', join(dir, 'each'), '--backend', 'tfjs-cpu', '--json'],
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ ok: true, backend: 'tfjs-cpu', images: 5, resolution: 16, classes: [0, 2, 0, 2, 0], classNames: ['circle', 'star', 'circle', 'star', 'circle'] });
    expect(result.stages.map((s: any) => s.params)).toEqual([{ steps: 3, sampler: 'ddim', guidanceScale: 2 }, { steps: 2, sampler: 'ddim', augLevel: 10 }]);
    expect(result.stages.every((s: any) => s.seconds > 0)).toBe(true);
    // 5 images → 3 columns × 2 rows of 16×16, each with a 7-row caption, 2 px padding: 3·18+2 = 56 by 2·25+2 = 52.
    const png = await pngCodec().decode(new Uint8Array(await readFile(out)));
    expect([png.width, png.height, png.channels]).toEqual([56, 52, 3]);
    expect(result.grid).toEqual({ width: 56, height: 52, columns: 3, captions: true });
    // Without captions: 2·18+2 = 38 rows.
    const plain = await cdm(['sample', manifest, '--classes', '0,star', '--n', '5', '--steps', '2', '--no-labels', '--out', join(dir, 'plain.png'), '--backend', 'tfjs-cpu', '--json']);
    expect(plain.json().grid).toEqual({ width: 56, height: 38, columns: 3, captions: false });
    const files = (await readdir(join(dir, 'each'))).sort();
    expect(files).toEqual(['000-circle.png', '001-star.png', '002-circle.png', '003-star.png', '004-circle.png']);
    const one = await pngCodec().decode(new Uint8Array(await readFile(join(dir, 'each', '001-star.png'))));
    expect([one.width, one.height]).toEqual([16, 16]);
    // The grid's second cell is that image.
    for (let y = 0; y < 16; y++) {
      const row = png.data.subarray(((2 + y) * 56 + 20) * 3, ((2 + y) * 56 + 36) * 3);
      expect(Array.from(row)).toEqual(Array.from(one.data.subarray(y * 48, (y + 1) * 48)));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('prints per-stage times and progress lines for people', async () => {
    const { code, stdout, stderr } = await cdm(['sample', manifest, '--n', '2', '--steps', '2', '--out', join(dir, 'people.png'), '--backend', 'tfjs-cpu']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Loaded micro \(base 8×8 → sr16 16×16\) on tfjs-cpu/);
    expect(stdout).toMatch(/ {2}base \(8×8\): [\d.]+s\n {2}sr16 \(16×16\): [\d.]+s/);
    expect(stdout).toContain('Classes, row by row: circle, square');
    const lines = stderr.trim().split('\n').map((l) => l.replace(/\(.*\)/, '(…)'));
    expect(lines).toEqual(['base 8×8: 1/2 steps (…)', 'base 8×8: 2/2 steps (…)', 'sr16 16×16: 1/2 steps (…)', 'sr16 16×16: 2/2 steps (…)']);
    expect(stderr).toMatch(/^base 8×8: 2\/2 steps \([\d.]+ steps\/s, ETA 0\.0s\)$/m);
  });

  it('--guidance 1 reaches a stage whose default is w = 2 (the cascade merges flags over defaults field by field)', async () => {
    const guided = join(dir, 'guided-default.json');
    const json = JSON.parse(await readFile(manifest, 'utf8'));
    json.stages[0].defaults = { ...json.stages[0].defaults, guidanceScale: 2 };
    await writeFile(guided, JSON.stringify(json));
    const params = async (extra: string[]) => {
      const result = await cdm(['sample', guided, '--classes', '0', '--steps', '2,1', ...extra, '--out', join(dir, 'w.png'), '--backend', 'tfjs-cpu', '--json']);
      expect(result.code, result.stderr).toBe(0);
      return result.json().stages.map((s: any) => s.params);
    };
    // The micro networks are freshly initialised (zero output layer), so the images cannot tell w apart: check what is passed.
    expect(await params(['--guidance', '1'])).toEqual([{ steps: 2, guidanceScale: 1 }, { steps: 1 }]);
    expect(await params([])).toEqual([{ steps: 2 }, { steps: 1 }]);
  });

  it('loads plugins named by path relative to cascade.json', async () => {
    await writeFile(join(dir, 'count-plugin.mjs'), 'export function register(registries) { globalThis.__cdmTestPlugin = registries.samplers.list(); }\n');
    const local = join(dir, 'plugin-cascade.json');
    const json = JSON.parse(await readFile(manifest, 'utf8'));
    await writeFile(local, JSON.stringify({ ...json, plugins: ['@cdm/augment', './count-plugin.mjs'] }));
    const { code } = await cdm(['sample', local, '--n', '1', '--steps', '2', '--out', join(dir, 'p.png'), '--backend', 'tfjs-cpu', '--json']);
    expect(code).toBe(0);
    expect((globalThis as any).__cdmTestPlugin).toEqual(['ddpm', 'ddim', 'dpm++2m', 'dpm++2m-sde']);
  });

  it('names the flag when a value is bad (exit 2) and the file when it is missing (exit 3)', async () => {
    const bad = await cdm(['sample', manifest, '--steps', '2,2,2', '--backend', 'tfjs-cpu']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid --steps: expected one value, or 2 comma-separated values (one per stage of this cascade), got "2,2,2" [CDM_INVALID_ARGUMENT]');
    const classes = await cdm(['sample', manifest, '--classes', '7', '--backend', 'tfjs-cpu']);
    expect(classes.code).toBe(2);
    expect(classes.stderr).toContain('Invalid --classes: expected class indices 0…3, got "7"');
    const names = await cdm(['sample', manifest, '--classes', 'hexagon', '--backend', 'tfjs-cpu']);
    expect(names.stderr).toContain('names: circle, square, star, ring');
    const n = await cdm(['sample', manifest, '--n', 'lots']);
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('Invalid --n: expected a positive integer, got "lots"');
    const missing = await cdm(['sample', join(dir, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/No file at ".*nope\.json" in the file system \(cascade\.json\).*\[CDM_NOT_FOUND\]/);
    expect(missing.stderr).not.toMatch(/\n\s+at /); // no stack trace for an expected error
  });

  it('reports a missing checkpoint with the manifest field (exit 3)', async () => {
    const json = JSON.parse(await readFile(manifest, 'utf8'));
    json.stages[1].denoiser.path = 'gone';
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify(json));
    const { code, stderr } = await cdm(['sample', broken, '--backend', 'tfjs-cpu']);
    expect(code).toBe(3);
    expect(stderr).toMatch(/stages\[1\]\.denoiser \(.*\/gone\): No file at ".*gone\/config\.json"/);
  });

  it('--demo samples the demo cascade that ships in apps/cli/demo', async () => {
    const out = join(dir, 'demo.png');
    const { code, stderr, json } = await cdm(['sample', '--demo', '--classes', 'ring,star', '--steps', '4,3', '--out', out, '--backend', 'wasm', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json()).toMatchObject({ ok: true, images: 2, resolution: 32, classNames: ['ring', 'star'] });
    const png = await pngCodec().decode(new Uint8Array(await readFile(out)));
    // 2 images → 2 columns of 32×32 with 7-row captions and 2 px padding: 2·34+2 = 70 by 34+7+2 = 43.
    expect([png.width, png.height]).toEqual([70, 43]);
  });

  it('--demo fashion samples the greyscale Fashion-MNIST cascade in apps/cli/demo/fashion', async () => {
    const out = join(dir, 'fashion.png');
    const { code, stderr, json } = await cdm(['sample', '--demo', 'fashion', '--classes', '7-sneaker', '--steps', '3,2', '--out', out, '--backend', 'wasm', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json()).toMatchObject({ ok: true, images: 1, resolution: 28, classNames: ['7-sneaker'] });
    expect(json().stages.map((s: { name: string; resolved: { augLevel?: number } }) => [s.name, s.resolved.augLevel])).toEqual([['base14', undefined], ['sr28', 253]]);
  });

  it('--demo with a name it does not ship lists the ones it does (exit 2)', async () => {
    const { code, stderr } = await cdm(['sample', '--demo', 'mnist']);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --demo: expected the name of a bundled demo (shapes, fashion) or nothing for shapes, got "mnist" [CDM_INVALID_ARGUMENT]');
  });

  it('--demo before the demo cascade exists says it is not trained yet and how to train it', async () => {
    const { code, stderr } = await cdm(['sample', '--demo'], { env: { CDM_DEMO_DIR: join(dir, 'no-demo-here') } });
    expect(code).toBe(3);
    expect(stderr).toContain('The shapes demo cascade is not trained yet: there is no');
    expect(stderr).toContain('Train it with `npm run build && npm run demo:train -w @cdm/cli`');
    expect(stderr).toContain('[CDM_NOT_FOUND]');
    const fashion = await cdm(['sample', '--demo', 'fashion'], { env: { CDM_DEMO_DIR: join(dir, 'no-demo-here') } });
    expect(fashion.code).toBe(3);
    expect(fashion.stderr).toContain(`The fashion demo cascade is not trained yet: there is no ${join(dir, 'no-demo-here', 'fashion', 'cascade.json')}`);
    expect(fashion.stderr).toContain('See apps/cli/demo/fashion/TRAINING.md');
  });
});

describe('cdm sample --truncate', () => {
  it('hands over z_s from the stage below, and names --aug-level when s is not a level its sampler passes', async () => {
    const ok = await cdm(['sample', manifest, '--n', '2', '--steps', '5,2', '--aug-level', '0,26', '--truncate', '--out', join(dir, 't.png'), '--backend', 'tfjs-cpu', '--json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.json().stages[1].params).toEqual({ steps: 2, augLevel: 26, truncate: true });
    const bad = await cdm(['sample', manifest, '--n', '2', '--steps', '5,2', '--aug-level', '0,22', '--truncate', '--out', join(dir, 't.png'), '--backend', 'tfjs-cpu']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^cdm: Invalid --aug-level \(stage 1\): expected a level the previous stage's sampler passes through for a truncated hand-over \(e\.g\. [\d, ]+\), got 22 \[CDM_INVALID_ARGUMENT\]$/m);
  });
});

describe('cdm sample, aborted', () => {
  it('exits 4 when the io signal (Ctrl-C) fires', async () => {
    const controller = new AbortController();
    controller.abort();
    const { code, stderr } = await cdm(['sample', manifest, '--backend', 'tfjs-cpu', '--out', join(dir, 'never.png')], { signal: controller.signal });
    expect(stderr).toMatch(/^cdm: Reading .*cascade\.json was aborted \[CDM_ABORTED\]\n$/);
    expect(code).toBe(4);
  });
});

describe('cdm sample --batch', () => {
  it('image i depends only on --seed and i: the same file for --n 1, --n 3, --batch 1 and --batch 2', async () => {
    const run = async (name: string, extra: string[]) => {
      const outDir = join(dir, name);
      const { code, stderr, json } = await cdm(['sample', manifest, '--classes', '1', '--seed', '5', '--steps', '3,2', '--eta', '1', '--out-dir', outDir, '--no-grid', '--backend', 'tfjs-cpu', '--json', ...extra]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const files = (await readdir(outDir)).sort();
      return { json: json(), images: await Promise.all(files.map((f) => readFile(join(outDir, f)))), files };
    };
    const three = await run('n3', ['--n', '3']);
    expect(three.files).toEqual(['000-square.png', '001-square.png', '002-square.png']);
    expect(three.json).toMatchObject({ images: 3, batch: 3, out: null, grid: null });
    const one = await run('n1', ['--n', '1']);
    const batch1 = await run('b1', ['--n', '3', '--batch', '1']);
    const batch2 = await run('b2', ['--n', '3', '--batch', '2']);
    expect(batch2.json.batch).toBe(2);
    expect(one.images[0]!.equals(three.images[0]!)).toBe(true);
    for (const other of [batch1, batch2]) for (let i = 0; i < 3; i++) expect(other.images[i]!.equals(three.images[i]!), `image ${i}`).toBe(true);
    expect(three.images[1]!.equals(three.images[0]!)).toBe(false);
  });

  it('prints one progress bar per stage and batch', async () => {
    const { code, stderr } = await cdm(['sample', manifest, '--n', '3', '--batch', '2', '--steps', '1', '--out', join(dir, 'batched.png'), '--backend', 'tfjs-cpu']);
    expect(code).toBe(0);
    expect(stderr.trim().split('\n').map((l) => l.replace(/ \(\d.*\)$/, ''))).toEqual(['base 8×8 (batch 1/2): 1/1 steps', 'sr16 16×16 (batch 1/2): 1/1 steps', 'base 8×8 (batch 2/2): 1/1 steps', 'sr16 16×16 (batch 2/2): 1/1 steps']);
  });
});
