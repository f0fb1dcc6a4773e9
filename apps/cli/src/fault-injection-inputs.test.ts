/**
 * Fault injection, part 2: inputs that used to be accepted silently or to crash — a path under a
 * file, concurrent writers, the temporary files killed writes leave, cascade.json and checkpoints
 * that disagree with their networks, seeds out of range, huge --n / --batch / batchSize, and a 3 GiB
 * (sparse) safetensors file. Each case asserts the exit status, the coded error and that no file
 * that was there changed; each makes what it needs (they pass run one by one, with -t).
 */
import { mkdir, open, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireRunLock, cpuBackend, pngCodec } from '@cdm/backend-node';
import { readSafetensors, toFloat32, writeSafetensors } from '@cdm/core';
import { createAdmUnet, saveUnet } from '@cdm/unet';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes';
import { fileStorage, toStoragePath } from './file-storage';
import { expectFailure, expectUnchanged, fileHashes } from './testing/fault-injection';
import { cdm, micro, microBaseConfig, tempDir, writeMicroCascade } from './testing/micro-cascade';

const cpu = ['--backend', 'tfjs-cpu'];
const GiB = 2 ** 30;
let dir: string;
let manifest: string;

beforeAll(async () => {
  await cpuBackend().init();
  dir = await tempDir('cdm-faults-');
  manifest = await writeMicroCascade(dir);
});

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, any>;
const writeJson = async (name: string, value: unknown) => {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(value, null, 2));
  return path;
};

describe('fault injection: paths and concurrent writers', () => {
  it('--out under a file exits 10 with CDM_PATH_CONFLICT, and the file stays as it was', async () => {
    await writeFile(join(dir, 'plain-file'), 'not a directory');
    const before = await fileHashes(dir);
    expectFailure(await cdm(['sample', manifest, '--n', '1', '--steps', '1', '--out', join(dir, 'plain-file', 'x.png'), ...cpu]), EXIT_CODES.fileSystem, 'CDM_PATH_CONFLICT');
    expect(await expectUnchanged(dir, before)).toEqual([]);
  });

  it('two cdm sample writing the same --out at once leave one whole PNG, no mix and no temporary file', async () => {
    const out = join(dir, 'shared.png');
    const runs = await Promise.all([1, 2].map((seed) => cdm(['sample', manifest, '--n', '4', '--seed', String(seed), '--steps', '2', '--out', out, '--out-dir', join(dir, `own-${seed}`), ...cpu])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const written = await readFile(out);
    const own = await Promise.all([1, 2].map((seed) => cdm(['sample', manifest, '--n', '4', '--seed', String(seed), '--steps', '2', '--out', join(dir, `alone-${seed}.png`), ...cpu]).then(() => readFile(join(dir, `alone-${seed}.png`)))));
    expect(own.some((bytes) => bytes.equals(written))).toBe(true);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('a second cdm train in the same run directory exits 9 with CDM_RUN_LOCKED and leaves the first run\'s files as they were; stale temporary files are cleared at the start of a run', async () => {
    const config = await writeJson('locked.json', microBaseConfig({ runDir: 'runs/locked', training: { steps: 2, batchSize: 2, lr: 1e-3, seed: 7 } }));
    const runDir = join(dir, 'runs/locked');
    const [first, second] = await Promise.all([cdm(['train', config, ...cpu]), new Promise((done) => setTimeout(done, 50)).then(() => cdm(['train', config, ...cpu]))]);
    expect(first.code, first.stderr).toBe(0);
    expectFailure(second, EXIT_CODES.locked, 'CDM_RUN_LOCKED');
    expect((await readJson(join(runDir, 'state.json'))).step).toBe(2); // the first run finished whole
    // While a run holds the lock (here: this process, as a live `cdm train` would), a second one changes none of its files.
    const held = await acquireRunLock(runDir, { command: 'cdm train locked.json' });
    try {
      const before = await fileHashes(runDir);
      expectFailure(await cdm(['train', config, '--steps', '3', ...cpu]), EXIT_CODES.locked, 'CDM_RUN_LOCKED');
      expect(await expectUnchanged(runDir, before)).toEqual([]);
    } finally {
      await held.release();
    }
    // A write killed mid-way left its temporary file (an hour old); one being written now is not touched.
    const stale = join(runDir, 'checkpoints', '.model.safetensors.0123456789ab.tmp');
    const fresh = join(runDir, '.state.json.abcdefabcdef.tmp');
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const hourAgo = Date.now() / 1000 - 3600;
    await utimes(stale, hourAgo, hourAgo);
    const before = performance.timeOrigin;
    await utimes(fresh, (before + 60_000) / 1000, (before + 60_000) / 1000); // newer than this process
    const again = await cdm(['train', config, '--steps', '3', ...cpu]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Removed 1 temporary file left by interrupted writes');
    expect(await readdir(join(runDir, 'checkpoints'))).not.toContain('.model.safetensors.0123456789ab.tmp');
    expect(await readdir(runDir)).toContain('.state.json.abcdefabcdef.tmp');
  });
});

describe('fault injection: temporary files that killed writes left', () => {
  const hourAgo = () => Date.now() / 1000 - 3600;
  /** Written a moment before this process started (or, in a long test run, 5 minutes ago): within TEMPORARY_FILE_GRACE_MS, so perhaps still being written. */
  const justBefore = () => Math.max(performance.timeOrigin - 1000, Date.now() - 5 * 60_000) / 1000;

  it('cdm train clears them in a stageDir outside the run directory too (the directory itself, ones untouched for 10 minutes)', async () => {
    const config = await writeJson('staged.json', microBaseConfig({ runDir: 'runs/staged', stageDir: 'stages/staged', training: { steps: 2, batchSize: 2, lr: 1e-3, seed: 7 } }));
    expect((await cdm(['train', config, ...cpu])).code).toBe(0);
    const stageDir = join(dir, 'stages/staged');
    const names = { stale: '.model.safetensors.0123456789ab.tmp', recent: '.ema.safetensors.abcdefabcdef.tmp', deeper: join('sub', '.stage.json.0123456789ab.tmp') };
    await mkdir(join(stageDir, 'sub'));
    for (const [key, name] of Object.entries(names)) {
      await writeFile(join(stageDir, name), 'half');
      const time = key === 'recent' ? justBefore() : hourAgo();
      await utimes(join(stageDir, name), time, time);
    }
    const again = await cdm(['train', config, '--steps', '3', ...cpu]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Removed 1 temporary file left by interrupted writes');
    expect(await readdir(stageDir)).not.toContain(names.stale);
    expect(await readdir(stageDir)).toContain(names.recent);
    expect(await readdir(join(stageDir, 'sub'))).toEqual(['.stage.json.0123456789ab.tmp']);
  });

  it('cdm sample clears those of its own images in --out-dir, and no other file', async () => {
    const outDir = join(dir, 'out-dir-stale');
    await mkdir(join(outDir, 'sub'), { recursive: true });
    const old = {
      image: '.000-circle.png.0123456789ab.tmp', // an image write killed an hour ago: removed
      users: '.notes.txt.0123456789ab.tmp', // the same pattern, but not a file cdm sample writes
      deeper: join('sub', '.001.png.0123456789ab.tmp'), // not in --out-dir itself
      plain: '003-star.png', // a finished image
    };
    for (const name of Object.values(old)) {
      await writeFile(join(outDir, name), `${name} was here`);
      await utimes(join(outDir, name), hourAgo(), hourAgo());
    }
    const recent = '.002-star.png.abcdefabcdef.tmp'; // perhaps another cdm sample writing now
    await writeFile(join(outDir, recent), 'half');
    await utimes(join(outDir, recent), justBefore(), justBefore());
    const before = await fileHashes(outDir);
    const sampled = await cdm(['sample', manifest, '--n', '2', '--steps', '1', '--out-dir', outDir, '--no-grid', ...cpu]);
    expect(sampled.code, sampled.stderr).toBe(0);
    expect(sampled.stdout).toContain('Removed 1 temporary file left by interrupted writes');
    const after = await fileHashes(outDir);
    expect(after.has(old.image)).toBe(false);
    expect(await expectUnchanged(outDir, before, (path) => path === old.image)).toEqual(['000-circle.png', '001-square.png']);
    expect(after.size).toBe(before.size - 1 + 2);
  });
});

describe('fault injection: inconsistent cascades and checkpoints', () => {
  it('a cascade.json whose resolution or classes are not its networks\' exits 2 before sampling; nothing is written', async () => {
    const json = await readJson(manifest);
    const out = join(dir, 'never.png');
    const wrongResolution = await writeJson('cascade-res.json', { ...json, stages: [{ ...json.stages[0], resolution: 16 }, { ...json.stages[1], resolution: 32, lowResolution: 16 }] });
    // The base network embeds 4 classes + the null class; 3 classes with null class 3 would guide towards class 3.
    const wrongClasses = await writeJson('cascade-classes.json', { ...json, classNames: ['a', 'b', 'c'], stages: [{ ...json.stages[0], numClasses: 3, nullClass: 3 }, json.stages[1]] });
    const before = await fileHashes(dir);
    const res = await cdm(['sample', wrongResolution, '--out', out, ...cpu]);
    expectFailure(res, EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
    expect(res.stderr).toContain('resolution: expected 8, the resolution its network was built for, got 16');
    const classes = await cdm(['sample', wrongClasses, '--out', out, ...cpu]);
    expectFailure(classes, EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
    expect(classes.stderr).toContain("fit the network's 5 class-embedding rows");
    expect(await expectUnchanged(dir, before)).toEqual([]); // no never.png, and nothing else changed
  });

  it('a checkpoint tensor stored as I32 over the same bytes, or an EMA tensor transposed, exits 2 with CDM_CHECKPOINT_MISMATCH; the run is untouched', async () => {
    const config = await writeJson('ckpt.json', microBaseConfig({ runDir: 'runs/ckpt', training: { steps: 2, batchSize: 2, lr: 1e-3, checkpointEvery: 2, seed: 7 } }));
    expect((await cdm(['train', config, ...cpu])).code).toBe(0);
    const runDir = join(dir, 'runs/ckpt');
    const files = (await readJson(join(runDir, 'state.json'))).files as { model: string; ema: string };
    const rewrite = async (file: string, name: string, change: (t: { shape: readonly number[]; data: Float32Array }) => object) => {
      const original = await readFile(join(runDir, file));
      const { metadata, tensors } = readSafetensors(new Uint8Array(original));
      const out = new Map([...tensors].map(([key, t]) => [key, key === name ? change({ shape: t.shape, data: toFloat32(t) }) : { shape: t.shape, data: toFloat32(t) }] as const));
      await writeFile(join(runDir, file), writeSafetensors(out as never, metadata));
      return original;
    };
    const original = await rewrite(files.model, 'label_emb.weight', (t) => ({ dtype: 'I32', shape: t.shape, data: new Int32Array(t.data.buffer) }));
    let before = await fileHashes(runDir);
    const dtype = await cdm(['train', config, '--steps', '4', ...cpu]);
    expectFailure(dtype, EXIT_CODES.usage, 'CDM_CHECKPOINT_MISMATCH');
    expect(dtype.stderr).toContain('label_emb.weight: dtype I32, expected F32');
    await expectUnchanged(runDir, before, (path) => path === 'log.jsonl');
    await writeFile(join(runDir, files.model), original);
    // label_emb.weight is [11, 32] (10 classes and the null class): saved as [32, 11] it has the same size.
    await rewrite(files.ema, 'label_emb.weight', (t) => ({ shape: [...t.shape].reverse(), data: t.data }));
    before = await fileHashes(runDir);
    const shape = await cdm(['train', config, '--steps', '4', ...cpu]);
    expectFailure(shape, EXIT_CODES.usage, 'CDM_CHECKPOINT_MISMATCH');
    expect(shape.stderr).toContain('ema label_emb.weight: shape [32, 11], expected [11, 32]');
    await expectUnchanged(runDir, before, (path) => path === 'log.jsonl');
  });
});

describe('fault injection: seeds', () => {
  it('seeds outside 0…2^53 − 1 exit 2 on every flag and config field, changing nothing; those inside each give their own images', async () => {
    const badConfigs = [] as [string, string][];
    for (const [i, [field, training]] of ([['training.seed', { seed: -1 }], ['training.seed', { seed: 2 ** 53 }], ['training.heldOut.seed', { heldOut: { examples: 2, every: 1, seed: -2 } }]] as const).entries()) {
      badConfigs.push([field, await writeJson(`bad-seed-${i}.json`, microBaseConfig({ runDir: 'runs/bad-seed', training: { steps: 1, batchSize: 2, lr: 1e-3, ...training } }))]);
    }
    const before = await fileHashes(dir);
    for (const seed of ['-1', '1.5', '9007199254740992', '9007199254740993', 'x']) {
      const result = await cdm(['sample', manifest, '--n', '1', '--seed', seed, '--out', join(dir, 'seed.png'), ...cpu]);
      expectFailure(result, EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
      expect(result.stderr).toContain(`Invalid --seed: expected an integer seed in 0…9007199254740991 (2^53 − 1), got "${seed}"`);
    }
    expectFailure(await cdm(['eval', manifest, '--seed', '-1']), EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
    expectFailure(await cdm(['eval', manifest, '--world-seed', '4.5']), EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
    expectFailure(await cdm(['extractor', 'train', '--dataset', dir, '--out', join(dir, 'x'), '--seed', '-3']), EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
    for (const [field, config] of badConfigs) {
      const result = await cdm(['train', config, ...cpu]);
      expectFailure(result, EXIT_CODES.usage, 'CDM_INVALID_ARGUMENT');
      expect(result.stderr).toContain(`${field}: must be an integer seed in 0…2^53 − 1`);
    }
    expect(await expectUnchanged(dir, before)).toEqual([]); // no seed.png, no run, nothing else changed
    // Seeds that used to collide (0, 2^32 + 1; 1, 2^32) and the two largest all give different images.
    const images = new Map<string, string>();
    for (const seed of ['0', '4294967297', '1', '4294967296', '9007199254740991', '9007199254740990']) {
      const out = join(dir, `seed-${seed}.png`);
      expect((await cdm(['sample', manifest, '--classes', '0', '--seed', seed, '--steps', '2', '--out', out, '--no-labels', ...cpu])).code).toBe(0);
      images.set(seed, (await readFile(out)).toString('hex'));
    }
    expect(new Set(images.values()).size).toBe(images.size);
  });
});

describe('fault injection: huge n and batch', () => {
  it('--n, --batch and batchSize beyond what fits exit 2 with CDM_TOO_LARGE before anything is allocated or written', async () => {
    const out = join(dir, 'huge.png');
    await writeFile(out, 'an earlier file');
    const config = await writeJson('huge-batch.json', microBaseConfig({ runDir: 'runs/huge', training: { steps: 1, batchSize: 1e9, lr: 1e-3 } }));
    const before = await fileHashes(dir);
    const n = await cdm(['sample', manifest, '--n', '1e9', '--out', out, ...cpu]);
    expectFailure(n, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    expect(n.stderr).toContain('--n 1e9 is too large: the limit is 1000000 images per call');
    const grid = await cdm(['sample', manifest, '--n', '300000', '--out', out, ...cpu]);
    expectFailure(grid, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    expect(grid.stderr).toMatch(/The grid of --n 300000 images of 16×16 \(\d+×\d+ pixels\) is too large: the limit is 67108864 pixels \(8192×8192\)\. Use a smaller --n .*--no-grid/);
    const batch = await cdm(['sample', manifest, '--n', '2', '--batch', '1000000000', '--out', out, ...cpu]);
    expectFailure(batch, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    expect(batch.stderr).toContain('--batch = 1000000000 (images of 16×16×3) is too large');
    const evalBatch = await cdm(['eval', manifest, '--n', '4', '--metrics', 'fid', '--batch', '1000000000', '--out', join(dir, 'eval-huge.json'), ...cpu]);
    expectFailure(evalBatch, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    const evalN = await cdm(['eval', manifest, '--n', '1000000000', '--metrics', 'fid', '--out', join(dir, 'eval-huge.json'), ...cpu]);
    expectFailure(evalN, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    expect(evalN.stderr).toContain('--n 1000000000 is too large: the limit is 50,000 samples');
    const evalPr = await cdm(['eval', manifest, '--n', '30000', '--metrics', 'fid,pr', '--out', join(dir, 'eval-huge.json'), ...cpu]);
    expectFailure(evalPr, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    expect(evalPr.stderr).toContain('precision/recall at --n 30000 is too large');
    const train = await cdm(['train', config, ...cpu]);
    expectFailure(train, EXIT_CODES.usage, 'CDM_TOO_LARGE');
    expect(train.stderr).toContain('batchSize = 1000000000 (images of 8×8×3) is too large');
    // Not even the run's dataset.json: batchSize is refused before anything is written to the run directory.
    expect(await expectUnchanged(dir, before)).toEqual([]);
  });
});

describe('fault injection: a 3 GiB safetensors file (sparse)', () => {
  /** A sparse file of 3 GiB + a little: the header of `tensors` (one of them 3 GiB) at the start, nothing else written. */
  async function sparseSafetensors(path: string, tensors: Record<string, { dtype: string; shape: number[] }>, bytesOf: (name: string) => number): Promise<number> {
    let offset = 0;
    const json: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(tensors)) {
      json[name] = { ...t, data_offsets: [offset, offset + bytesOf(name)] };
      offset += bytesOf(name);
    }
    const text = Buffer.from(JSON.stringify(json));
    const head = Buffer.alloc(8 + text.length);
    head.writeBigUInt64LE(BigInt(text.length), 0);
    text.copy(head, 8);
    const file = await open(path, 'w');
    try {
      await file.truncate(head.length + offset);
      await file.write(head, 0, head.length, 0);
    } finally {
      await file.close();
    }
    return head.length + offset;
  }

  it('cdm import and cdm sample refuse it from its header alone (exit 2, CDM_CHECKPOINT_MISMATCH) without reading 3 GiB', async () => {
    // The micro network's own tensors, plus one it does not have: 3 GiB of U8.
    const net = createAdmUnet(micro({ numClasses: 4, classifierFreeGuidance: true, seed: 5 }));
    await saveUnet(fileStorage(), toStoragePath(join(dir, 'sparse-stage')), net);
    net.dispose();
    const real = readSafetensors(new Uint8Array(await readFile(join(dir, 'sparse-stage', 'model.safetensors')))).tensors;
    const tensors: Record<string, { dtype: string; shape: number[] }> = Object.fromEntries([...real].map(([name, t]) => [name, { dtype: t.dtype, shape: [...t.shape] }]));
    tensors['extra.huge'] = { dtype: 'U8', shape: [3, GiB] };
    const path = join(dir, 'sparse-stage', 'model.safetensors');
    const size = await sparseSafetensors(path, tensors, (name) => (name === 'extra.huge' ? 3 * GiB : real.get(name)!.data.byteLength));
    expect(size).toBeGreaterThan(3 * GiB);
    await writeJson('sparse-import.json', { stage: { name: 'base8', resolution: 8, numClasses: 4, nullClass: 4, denoiser: { type: 'adm-unet', config: micro() }, diffusion: { schedule: 'cosine', timesteps: 100 } } });
    const json = await readJson(manifest);
    const cascade = await writeJson('sparse-cascade.json', { ...json, stages: [{ ...json.stages[0], denoiser: { type: 'adm-unet', path: 'sparse-stage', weights: 'model' } }, json.stages[1]] });
    // An earlier grid at the --out that the refused call would have written.
    const out = join(dir, 'sparse.png');
    const earlier = await cdm(['sample', manifest, '--n', '1', '--steps', '1', '--out', out, ...cpu]);
    expect(earlier.code, earlier.stderr).toBe(0);
    const before = await fileHashes(dir);

    const imported = await cdm(['import', path, '--config', 'sparse-import.json', '--out', 'sparse-out', ...cpu], { cwd: dir });
    expectFailure(imported, EXIT_CODES.usage, 'CDM_CHECKPOINT_MISMATCH');
    expect(imported.stderr).toContain('unexpected tensor "extra.huge"');
    const sampled = await cdm(['sample', cascade, '--out', out, ...cpu]);
    expectFailure(sampled, EXIT_CODES.usage, 'CDM_CHECKPOINT_MISMATCH');
    expect(sampled.stderr).toContain('stages[0].denoiser');
    // No sparse-out, the 3 GiB file and the earlier grid as they were (and the grid still a valid PNG).
    expect(await expectUnchanged(dir, before)).toEqual([]);
    expect((await pngCodec().decode(new Uint8Array(await readFile(out)))).width).toBeGreaterThan(0);
  });
});
