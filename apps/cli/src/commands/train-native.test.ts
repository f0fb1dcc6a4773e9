import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNativeAddon } from '@cdm/backend-node';
import { readSafetensors, toFloat32 } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { cdm, microBaseConfig, tempDir } from '../testing/micro-cascade';

const native = loadNativeAddon();

/** A micro base stage (GroupNorm, SiLU, attention, class embedding) trained for 3 steps at lr 1e-3 on `backend`. */
async function train(dir: string, backend: string) {
  const config = microBaseConfig({
    runDir: `runs/${backend}`,
    training: { steps: 3, batchSize: 4, lr: 1e-3, classDropout: 0.2, checkpointEvery: 3, logEvery: 1, seed: 7 },
  });
  const path = join(dir, `${backend}.json`);
  await writeFile(path, JSON.stringify(config));
  const run = await cdm(['train', path, '--backend', backend, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const log = (await readFile(join(dir, config.runDir, 'log.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { loss: number; gradNorm: number });
  const weights = readSafetensors(await readFile(join(dir, config.runDir, 'checkpoints/step-0000003/model.safetensors'))).tensors;
  return { log, weights };
}

// The whole training path through the native kernels (convolutions, fused GroupNorm and SiLU,
// element-wise ops, Concat/SplitV) and the fused Adam update, against plain tfjs-cpu.
describe.skipIf(!native.available)(`cdm train on wasm with the native kernels${native.available ? '' : ` (skipped: ${native.reason})`}`, () => {
  it('follows tfjs-cpu: the same losses and gradient norms (1e-4), and the same weights after 3 Adam steps', async () => {
    const dir = await tempDir();
    const cpu = await train(dir, 'tfjs-cpu');
    const wasm = await train(dir, 'wasm');
    for (const [i, line] of wasm.log.entries()) {
      expect(Math.abs(line.loss - cpu.log[i]!.loss) / cpu.log[i]!.loss, `loss, step ${i + 1}`).toBeLessThan(1e-4);
      expect(Math.abs(line.gradNorm - cpu.log[i]!.gradNorm) / cpu.log[i]!.gradNorm, `gradient norm, step ${i + 1}`).toBeLessThan(1e-4);
    }
    // Adam divides by √v + ε (ε = 1e-8), so a gradient that is exactly 0 on one backend and a
    // rounding residue of ~1e-9 on the other moves a weight by up to ~0.1·lr per step: at most
    // 3e-4 apart after 3 steps. Everything else agrees to float32 rounding: 99 % within 1e-6
    // (measured here: largest difference 1.2e-7).
    expect([...wasm.weights.keys()].sort()).toEqual([...cpu.weights.keys()].sort());
    const differences: number[] = [];
    for (const [name, tensor] of cpu.weights) {
      const a = toFloat32(tensor);
      const b = toFloat32(wasm.weights.get(name)!);
      for (let i = 0; i < a.length; i++) differences.push(Math.abs(a[i]! - b[i]!));
    }
    differences.sort((x, y) => x - y);
    expect(differences.at(-1)).toBeLessThan(3e-4);
    expect(differences[Math.floor(differences.length * 0.99)]).toBeLessThan(1e-6);
  });
});
