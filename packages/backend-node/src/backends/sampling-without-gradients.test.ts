import { spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChildScript } from '../testing/bundle-child-script';

// `cdm sample` starts its backend with { gradients: false }: importing tfjs' gradient registrations
// costs ~1 s of start-up and sampling needs none. Each case runs in a fresh Node process, because
// tfjs' gradient registry is process-wide and other tests in this worker may have filled it.
describe('backends started without gradients', () => {
  let bundle = '';
  beforeAll(async () => {
    const child = fileURLToPath(new URL('../testing/sampling-without-gradients-child.ts', import.meta.url));
    bundle = await bundleChildScript(
      'sampling-without-gradients',
      `import { runSamplingWithoutGradients } from ${JSON.stringify(child)}; await runSamplingWithoutGradients(process.argv[2]);`,
      fileURLToPath(new URL('.', import.meta.url)),
    );
  });
  afterAll(async () => {
    if (bundle !== '') await rm(join(bundle, '..'), { recursive: true, force: true });
  });

  for (const [name, engine] of [['wasm', 'wasm'], ['tfjs-cpu', 'cpu']] as const) {
    it(`${name}: runs a forward pass with no gradient functions registered; ensureGradients() then adds them for training`, () => {
      const child = spawnSync(process.execPath, [bundle, name], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, CDM_WASM_THREADS: '' } });
      expect(child.status, child.stderr).toBe(0);
      const report = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { backend: string; missingBefore: string[]; forward: number; missingAfter: string[]; gradient: number };
      expect(report.backend).toBe(engine);
      expect(report.missingBefore).toContain('Conv2D'); // the gradients were not imported
      expect(Number.isFinite(report.forward)).toBe(true);
      expect(report.missingAfter).toEqual([]);
      expect(Number.isFinite(report.gradient) && report.gradient !== 0).toBe(true);
    });
  }
});
