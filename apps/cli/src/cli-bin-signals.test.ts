import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { microBaseConfig, tempDir } from './testing/micro-cascade';

const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const built = existsSync(bin);

/**
 * What `npx cdm` / `npm exec` put between the terminal and cdm: a parent in the same process group
 * that forwards the SIGINT it receives to its child and exits with the child's status. On Ctrl-C
 * the terminal signals the whole group, so cdm receives the interrupt twice.
 */
const WRAPPER = `import { spawn } from 'node:child_process';
const child = spawn(process.execPath, process.argv.slice(2), { stdio: 'inherit' });
process.on('SIGINT', () => child.kill('SIGINT'));
child.on('exit', (code, signal) => (signal === null ? process.exit(code ?? 1) : process.kill(process.pid, signal)));
`;

// The root `npm test` builds before it tests; a bare `vitest run` without a build skips this and says why.
describe.skipIf(!built)(`the built bin under a wrapper${built ? '' : ' (skipped: apps/cli/dist/cli.js does not exist; run `npm run build` first)'}`, () => {
  it('Ctrl-C (SIGINT to the whole process group) exits 4 after saving a checkpoint; CDM_NATIVE=0 on wasm warns once at training start', async () => {
    const dir = await tempDir('cdm-sigint-');
    const config = join(dir, 'train.json');
    // Steps long enough (~0.1–1 s on wasm without native kernels) that both signals arrive during one.
    const base = microBaseConfig();
    const stage = { ...base.stage, resolution: 16, denoiser: { type: 'adm-unet', config: { ...base.stage.denoiser.config, imageSize: 16, modelChannels: 32, attentionResolutions: [8] } } };
    await writeFile(config, JSON.stringify({ ...base, stage, training: { steps: 1_000_000, batchSize: 8, lr: 1e-3, checkpointEvery: 1_000_000, logEvery: 1, seed: 7 } }));
    await writeFile(join(dir, 'wrapper.mjs'), WRAPPER);
    const wrapper = spawn(process.execPath, [join(dir, 'wrapper.mjs'), bin, 'train', config, '--backend', 'wasm'], {
      cwd: dir,
      detached: true, // its own process group, standing for the terminal's foreground group
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CDM_NATIVE: '0' },
    });
    let stderr = '';
    wrapper.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => wrapper.on('exit', (code, signal) => resolve({ code, signal })));
    // Interrupt during the second step: once the first has been logged (the log exists, empty, before step 1).
    const log = join(dir, 'runs/base8/log.jsonl');
    const poll = setInterval(() => {
      if (existsSync(log) && statSync(log).size > 0) {
        clearInterval(poll);
        process.kill(-wrapper.pid!, 'SIGINT');
      }
    }, 20);
    void exited.then(() => clearInterval(poll));
    const { code, signal } = await exited;
    expect({ code, signal }, stderr).toEqual({ code: 4, signal: null });
    const warnings = stderr.split('\n').filter((line) => line.startsWith('warning: training on wasm without the native kernels'));
    expect(warnings).toEqual([expect.stringMatching(/\(turned off by CDM_NATIVE=0\) is about [\d.]+–[\d.]+× slower .*unset CDM_NATIVE/)]);
    expect(stderr).toContain('Stopping after the current step');
    expect(stderr).toMatch(/\[CDM_ABORTED\]\n$/);
    expect(stderr).toContain(`Run the same command again to resume from the last checkpoint in ${join(dir, 'runs/base8')}`);
    const state = JSON.parse(await readFile(join(dir, 'runs/base8/state.json'), 'utf8')) as { step: number };
    expect(state.step).toBeGreaterThan(0);
  });
});
