import { copyFile, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { cpuBackend } from '@cdm/backend-node';
import { createAdmUnet, loadUnet, saveUnet } from '@cdm/unet';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { fileStorage, toStoragePath } from '../file-storage';
import type * as FileStorageModule from '../file-storage';
import { cdm, micro, tempDir } from '../testing/micro-cascade';

// Every whole-file read() the CLI makes through fileStorage, to check checkpoints are read by ranges.
const { wholeReads } = vi.hoisted(() => ({ wholeReads: [] as string[] }));
vi.mock('../file-storage', async (importOriginal) => {
  const actual = await importOriginal<typeof FileStorageModule>();
  return {
    ...actual,
    fileStorage: () => {
      const storage = actual.fileStorage();
      return {
        ...storage,
        read: (path: string, options?: Parameters<typeof storage.read>[1]) => {
          wholeReads.push(path);
          return storage.read(path, options);
        },
      };
    },
  };
});

const GiB = 2 ** 30;
let dir: string;

beforeAll(async () => {
  await cpuBackend().init();
  dir = await tempDir();
  // A "reference" checkpoint: guided-diffusion state-dict names, PyTorch layout (what saveUnet writes).
  const net = createAdmUnet(micro({ numClasses: 4, classifierFreeGuidance: true, seed: 5 }));
  await saveUnet(fileStorage(), toStoragePath(join(dir, 'reference')), net);
  net.dispose();
  const stage = {
    name: 'base8',
    resolution: 8,
    numClasses: 4,
    nullClass: 4,
    denoiser: { type: 'adm-unet', config: micro() },
    diffusion: { schedule: 'linear', timesteps: 100 },
  };
  await writeFile(join(dir, 'import.json'), JSON.stringify({ classNames: ['a', 'b', 'c', 'd'], stage }));
  await writeFile(join(dir, 'wrong.json'), JSON.stringify({ stage: { ...stage, denoiser: { config: micro({ modelChannels: 16 }) } } }));
  // A U-Net that PyTorch built and torch.save wrote (import-fixtures/make-fixtures.py), and its safetensors export.
  for (const file of ['micro-unet.pt', 'micro-unet.safetensors']) await copyFile(join(fixtures, file), join(dir, file));
  const torchConfig = JSON.parse(await readFile(join(fixtures, 'micro-unet.json'), 'utf8')) as Record<string, unknown>;
  const torchStage = { name: 'torch8', resolution: 8, numClasses: 3, nullClass: 3, denoiser: { type: 'adm-unet', config: torchConfig }, diffusion: { schedule: 'cosine', timesteps: 100, modelVariance: 'learnedRange' } };
  await writeFile(join(dir, 'torch.json'), JSON.stringify({ stage: torchStage }));
});

const fixtures = fileURLToPath(new URL('./import-fixtures/', import.meta.url));

describe('cdm import', () => {
  it('imports a PyTorch-layout safetensors checkpoint and its config into a stage directory', async () => {
    const before = tf.memory().numTensors;
    const { code, json, stderr } = await cdm(['import', 'reference/model.safetensors', '--config', 'import.json', '--out', 'stages/base8', '--backend', 'tfjs-cpu', '--json'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json()).toMatchObject({ ok: true, stage: 'base8', weights: 'model' });
    const stageJson = JSON.parse(await readFile(join(dir, 'stages/base8/stage.json'), 'utf8'));
    expect(stageJson).toMatchObject({
      plugins: ['@cdm/unet'],
      classNames: ['a', 'b', 'c', 'd'],
      stage: { denoiser: { type: 'adm-unet', path: '.', weights: 'model' }, diffusion: { schedule: 'linear', timesteps: 100, modelOutput: 'eps' } },
      source: { command: 'cdm import', model: 'model.safetensors', config: '../../import.json' },
    });
    const original = await loadUnet(fileStorage(), toStoragePath(join(dir, 'reference')));
    const imported = await loadUnet(fileStorage(), toStoragePath(join(dir, 'stages/base8')));
    for (const name of ['input_blocks.0.0.weight', 'label_emb.weight', 'out.2.weight']) {
      expect(Array.from(await imported.parameters().get(name)!.data())).toEqual(Array.from(await original.parameters().get(name)!.data()));
    }
    expect(imported.parameters().get('label_emb.weight')!.shape).toEqual(original.parameters().get('label_emb.weight')!.shape);
    original.dispose();
    imported.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('imports a torch.save checkpoint (.pt) into exactly the stage its safetensors export gives, bit for bit', async () => {
    const args = (model: string, out: string) => ['import', model, '--config', 'torch.json', '--out', out, '--backend', 'tfjs-cpu', '--json'];
    wholeReads.length = 0;
    const fromPt = await cdm([...args('micro-unet.pt', 'stages/from-pt'), '--ema', 'micro-unet.pt'], { cwd: dir });
    expect(fromPt.stderr).toBe('');
    expect(wholeReads.filter((path) => path.endsWith('.pt')), 'the .pt is read by ranges, never whole').toEqual([]);
    expect(fromPt.code).toBe(0);
    expect(fromPt.json()).toMatchObject({ ok: true, stage: 'torch8', parameters: 1114, weights: 'ema' });
    const fromSafetensors = await cdm([...args('micro-unet.safetensors', 'stages/from-st'), '--ema', 'micro-unet.safetensors'], { cwd: dir });
    expect(fromSafetensors.code).toBe(0);
    for (const file of ['model.safetensors', 'ema.safetensors', 'config.json']) {
      const [a, b] = await Promise.all([readFile(join(dir, 'stages/from-pt', file)), readFile(join(dir, 'stages/from-st', file))]);
      expect(a.equals(b), file).toBe(true);
    }
    const [stageA, stageB] = await Promise.all(['from-pt', 'from-st'].map(async (d) => JSON.parse(await readFile(join(dir, 'stages', d, 'stage.json'), 'utf8'))));
    expect(stageA.source.model).toBe('micro-unet.pt');
    expect({ ...stageA, source: undefined }).toEqual({ ...stageB, source: undefined });
    // The weights are the ones PyTorch saved, not zeros: spot-check against the safetensors file.
    const imported = await loadUnet(fileStorage(), toStoragePath(join(dir, 'stages/from-pt')));
    expect(Array.from(await imported.parameters().get('label_emb.weight')!.data()).some((v) => v !== 0)).toBe(true);
    imported.dispose();
  });

  it('refuses a .pt whose pickle asks for anything but tensors (exit 2, coded), whatever its extension', async () => {
    // A minimal torch.save-shaped archive whose pickle calls os.system: built by hand, never run.
    const evil = Uint8Array.from([0x80, 0x02, 0x63, ...Buffer.from('os\nsystem\n'), 0x58, 4, 0, 0, 0, ...Buffer.from('true'), 0x85, 0x52, 0x2e]);
    await writeFile(join(dir, 'evil.bin'), zipOf('archive/data.pkl', evil));
    const refused = await cdm(['import', 'evil.bin', '--config', 'torch.json', '--out', 'stages/evil', '--backend', 'tfjs-cpu'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('asks for the global os.system');
    expect(refused.stderr).toContain('[CDM_UNSAFE_PICKLE]');
    const truncated = (await readFile(join(dir, 'micro-unet.pt'))).subarray(0, 20000);
    await writeFile(join(dir, 'truncated.pt'), truncated);
    const cut = await cdm(['import', 'truncated.pt', '--config', 'torch.json', '--out', 'stages/cut', '--backend', 'tfjs-cpu'], { cwd: dir });
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain('[CDM_TORCH_CHECKPOINT_CORRUPT]');
  });

  it('refuses a 3 GiB .pt (sparse) that does not fit the network from its ZIP directory and pickle, reading none of its tensor data', async () => {
    const path = join(dir, 'sparse.pt');
    await writeSparseCheckpoint(path);
    expect((await stat(path)).size).toBeGreaterThan(3 * GiB);
    wholeReads.length = 0;
    const started = Date.now();
    const refused = await cdm(['import', 'sparse.pt', '--config', 'torch.json', '--out', 'stages/sparse', '--backend', 'tfjs-cpu'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('[CDM_CHECKPOINT_MISMATCH]');
    // Every tensor of the network missing, and "extra.huge" unexpected (listed last, past the cut-off of the message).
    const header = await readFile(join(fixtures, 'micro-unet.safetensors'));
    const names = Object.keys(JSON.parse(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString('utf8'))).filter((k) => k !== '__metadata__');
    expect(refused.stderr).toContain(`sparse.pt does not match the network's parameters (${names.length + 1} problems)`);
    expect(refused.stderr).toContain('missing tensor "input_blocks.0.0.weight"');
    expect(wholeReads).toEqual([]);
    expect(Date.now() - started).toBeLessThan(20_000); // not a pass over 3 GiB
    expect(await readdir(join(dir, 'stages'))).not.toContain('sparse');
  });

  it('a config that does not fit the weights is exit 2 listing the tensors; a missing file is exit 3', async () => {
    const mismatch = await cdm(['import', 'reference/model.safetensors', '--config', 'wrong.json', '--out', 'stages/x', '--backend', 'tfjs-cpu'], { cwd: dir });
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/model\.safetensors does not match the network's parameters \(\d+ problems\):\n/);
    expect(mismatch.stderr).toContain('"input_blocks.0.0.weight" has shape [8, 3, 3, 3], expected [16, 3, 3, 3]');
    expect(mismatch.stderr).toContain('[CDM_CHECKPOINT_MISMATCH]');
    const missing = await cdm(['import', 'nope.safetensors', '--config', 'import.json', '--out', 'stages/y'], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.safetensors');
    const noConfig = await cdm(['import', 'reference/model.safetensors', '--out', 'stages/y'], { cwd: dir });
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain("error: required option '--config <file>' not specified");
  });
});

/** CRC-32 (ZIP's), bit by bit. */
function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const u16 = (v: number) => [v & 0xff, v >>> 8];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

/**
 * A torch.save-shaped checkpoint of 3 GiB + a little, as a sparse file: `{ "extra.huge": F32 [3, 2^28] }`,
 * its 3 GiB storage first (zeros, never written, CRC-32 left 0), so the pickle, the central directory and
 * the end record all lie past 3 GiB.
 */
async function writeSparseCheckpoint(path: string): Promise<void> {
  const text = (s: string) => [...Buffer.from(s)];
  const str = (s: string) => [0x58, ...u32(Buffer.byteLength(s)), ...text(s)];
  const int = (n: number) => [0x4a, ...u32(n)];
  const global = (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)];
  const tuple = (...items: number[][]) => [0x28, ...items.flat(), 0x74];
  const numel = 3 * 2 ** 28;
  const storage = [...tuple(str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), int(numel)), 0x51];
  const rebuild = tuple(storage, int(0), tuple(int(3), int(2 ** 28)), tuple(int(2 ** 28), int(1)), [0x89], [...global('collections', 'OrderedDict'), 0x29, 0x52]);
  const pkl = Uint8Array.from([0x80, 0x02, 0x7d, 0x28, ...str('extra.huge'), ...global('torch._utils', '_rebuild_tensor_v2'), ...rebuild, 0x52, 0x75, 0x2e]);
  const entries = [
    { name: Buffer.from('archive/data/0'), size: numel * 4, crc: 0, data: undefined },
    { name: Buffer.from('archive/data.pkl'), size: pkl.length, crc: crc32(pkl), data: pkl },
  ];
  const file = await open(path, 'w');
  try {
    let offset = 0;
    const central: number[] = [];
    for (const { name, size, crc, data } of entries) {
      const local = Uint8Array.from([...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(crc), ...u32(size), ...u32(size), ...u16(name.length), ...u16(0), ...name]);
      await file.write(local, 0, local.length, offset);
      if (data !== undefined) await file.write(data, 0, data.length, offset + local.length);
      central.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(crc), ...u32(size), ...u32(size), ...u16(name.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...name);
      offset += local.length + size;
    }
    const tail = Uint8Array.from([...central, ...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(entries.length), ...u16(entries.length), ...u32(central.length), ...u32(offset), ...u16(0)]);
    await file.write(tail, 0, tail.length, offset);
  } finally {
    await file.close();
  }
}

/** A ZIP archive of one stored entry. */
function zipOf(name: string, data: Uint8Array): Uint8Array {
  const n = Buffer.from(name);
  const crc = crc32(data);
  const local = [...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(n.length), ...u16(0), ...n, ...data];
  const central = [...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(crc), ...u32(data.length), ...u32(data.length), ...u16(n.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(0), ...n];
  const end = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(1), ...u16(1), ...u32(central.length), ...u32(local.length), ...u16(0)];
  return Uint8Array.from([...local, ...central, ...end]);
}
