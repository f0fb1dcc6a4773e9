import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { learningRate } from '@cdm/cascade';
import { describe, expect, it } from 'vitest';
import { cdm, microBaseConfig, tempDir } from '../testing/micro-cascade';

describe('cdm train: training.lrSchedule', () => {
  it('"cosine" decays the logged rate from lr to minLr at lrDecaySteps, after the warmup', async () => {
    const dir = await tempDir();
    const training = { steps: 6, batchSize: 2, lr: 1e-3, warmup: 2, lrSchedule: 'cosine', minLr: 1e-4, lrDecaySteps: 5, logEvery: 1, seed: 7 };
    await writeFile(join(dir, 'cosine.json'), JSON.stringify(microBaseConfig({ training })));
    const run = await cdm(['train', join(dir, 'cosine.json'), '--backend', 'tfjs-cpu', '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const rates = (await readFile(join(dir, 'runs/base8/log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { lr: number }).lr);
    const settings = { lr: 1e-3, warmup: 2, schedule: 'cosine', minLr: 1e-4, decaySteps: 5 } as const;
    expect(rates).toEqual([0, 1, 2, 3, 4, 5].map((k) => learningRate(settings, k)));
    expect(rates.slice(0, 3)).toEqual([5e-4, 1e-3, 1e-3]);
    expect(rates.at(-1)).toBeCloseTo(1e-4, 12);
  });

  it('minLr and lrDecaySteps without "cosine", or minLr above lr, are config errors naming the field', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.json'), JSON.stringify(microBaseConfig({ training: { steps: 2, batchSize: 2, lr: 1e-3, minLr: 1e-4, lrDecaySteps: 2 } })));
    const bad = await cdm(['train', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('training.minLr: applies to lrSchedule "cosine" only');
    expect(bad.stderr).toContain('training.lrDecaySteps: applies to lrSchedule "cosine" only');
    await writeFile(join(dir, 'high.json'), JSON.stringify(microBaseConfig({ training: { steps: 2, batchSize: 2, lr: 1e-3, lrSchedule: 'cosine', minLr: 1e-2 } })));
    const high = await cdm(['train', join(dir, 'high.json')]);
    expect(high.code).toBe(2);
    expect(high.stderr).toContain('training.minLr: must not exceed lr (0.001)');
  });
});
