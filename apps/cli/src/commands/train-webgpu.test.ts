// `cdm train --backend webgpu` for real, through Dawn on this machine's Vulkan driver (SwiftShader
// from Debian's chromium package on CI, a software adapter that the backend takes only by name).
// Skipped, with the reason in the title, where there is no driver.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeAdapter, pngCodec, probeDawnGpu } from '@cdm/backend-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdm, microBaseConfig, tempDir, writeMicroCascade } from '../testing/micro-cascade';

/** Losses and gradient norms of webgpu and wasm agree to float32 rounding (seen: 3e-7 relative); this leaves room for other drivers. */
const TOLERANCE = 1e-4;
const dawn = await probeDawnGpu();

interface LogLine {
  readonly step: number;
  readonly loss: number;
  readonly gradNorm: number;
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('cdm-webgpu-');
});

/** Trains `runDir` to `steps` on `backend` (resuming from its last checkpoint) and returns its whole log. */
async function train(runDir: string, steps: number, backend: string): Promise<LogLine[]> {
  const config = join(dir, `${runDir}.json`);
  await writeFile(config, JSON.stringify(microBaseConfig({ runDir })));
  const { code, stderr } = await cdm(['train', config, '--steps', String(steps), '--backend', backend, '--json']);
  expect(code, stderr).toBe(0);
  const log = await readFile(join(dir, runDir, 'log.jsonl'), 'utf8');
  return log.trim().split('\n').map((line) => JSON.parse(line) as LogLine);
}

function expectSameRun(got: readonly LogLine[], want: readonly LogLine[]): void {
  expect(got.map((l) => l.step)).toEqual(want.map((l) => l.step));
  for (const [i, line] of got.entries()) {
    const ref = want[i]!;
    expect(Math.abs(line.loss - ref.loss) / ref.loss, `loss at step ${line.step}`).toBeLessThan(TOLERANCE);
    expect(Math.abs(line.gradNorm - ref.gradNorm) / ref.gradNorm, `grad norm at step ${line.step}`).toBeLessThan(TOLERANCE);
  }
}

describe.skipIf(!dawn.ok)(dawn.ok ? `cdm train --backend webgpu (${describeAdapter(dawn.adapter)})` : `cdm train --backend webgpu — skipped: ${dawn.reason}`, () => {
  let wasm: LogLine[] = [];
  beforeAll(async () => {
    wasm = await train('wasm', 4, 'wasm');
  }, 120_000);

  it(`trains a micro stage with the losses and gradient norms of wasm, step by step, within ${TOLERANCE} relative`, async () => {
    expectSameRun(await train('webgpu', 4, 'webgpu'), wasm);
  }, 120_000);

  it('resumes a checkpoint written on wasm on webgpu, and one written on webgpu on wasm', async () => {
    await train('wasm-then-webgpu', 2, 'wasm');
    expectSameRun(await train('wasm-then-webgpu', 4, 'webgpu'), wasm);
    await train('webgpu-then-wasm', 2, 'webgpu');
    expectSameRun(await train('webgpu-then-wasm', 4, 'wasm'), wasm);
  }, 180_000);

  it('samples a two-stage cascade (guidance, augmentation) to the same 8-bit images as wasm, give or take one level', async () => {
    const manifest = await writeMicroCascade(dir);
    const pixels: Uint8Array[] = [];
    for (const backend of ['wasm', 'webgpu']) {
      const out = join(dir, `sample-${backend}.png`);
      const { code, stderr } = await cdm(['sample', manifest, '--classes', '0,2', '--seed', '3', '--steps', '3,2', '--guidance', '2,1', '--aug-level', ',10', '--no-labels', '--out', out, '--backend', backend, '--json']);
      expect(code, stderr).toBe(0);
      pixels.push((await pngCodec().decode(new Uint8Array(await readFile(out)))).data);
    }
    const [wasmPixels, webgpuPixels] = pixels as [Uint8Array, Uint8Array];
    expect(webgpuPixels.length).toBe(wasmPixels.length);
    const worst = wasmPixels.reduce((max, v, i) => Math.max(max, Math.abs(v - webgpuPixels[i]!)), 0);
    expect(worst).toBeLessThanOrEqual(1);
  }, 120_000);
});
