/**
 * Fault injection, part 3: a disk that fails under a running command (EIO). `readFile` is wrapped
 * so that reads of the training images start failing with an `EIO` errno error, as Node reports a
 * failing disk or a network mount that went away. The run must exit 10 with CDM_IO_ERROR (not
 * "unexpected error … This is a bug"), keep what it learned up to the last whole step, and resume
 * once the disk is back.
 */
import type * as fsPromises from 'node:fs/promises';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpuBackend } from '@cdm/backend-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT_CODES } from './exit-codes';
import { reportError } from './report-error';
import { expectFailure } from './testing/fault-injection';
import { writeLabelledFolder } from './testing/labelled-folder';
import { cdm, microBaseConfig, tempDir } from './testing/micro-cascade';

/** The failure to inject: reads of paths under `under` fail with EIO from the `after`-th such read on. */
const failing: { under: string | undefined; after: number; reads: number } = { under: undefined, after: Infinity, reads: 0 };

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  const readFile = (async (...args: Parameters<typeof actual.readFile>) => {
    const [path] = args;
    if (failing.under !== undefined && typeof path === 'string' && path.startsWith(failing.under) && ++failing.reads > failing.after) {
      throw Object.assign(new Error(`EIO: i/o error, read`), { errno: -5, code: 'EIO', syscall: 'read' });
    }
    return actual.readFile(...args);
  }) as typeof actual.readFile;
  return { ...actual, readFile, default: { ...actual, readFile } };
});

const cpu = ['--backend', 'tfjs-cpu'];
let dir: string;

beforeAll(async () => {
  await cpuBackend().init();
  dir = await tempDir('cdm-faults-io-');
  await writeLabelledFolder(join(dir, 'images'), { classes: ['dark', 'light'], perClass: 4, size: 8, channels: 3 });
});

describe('fault injection: I/O errors (EIO)', () => {
  it('an errno EIO/ESTALE that reaches the CLI is CDM_IO_ERROR with exit 10, not an unexpected error', () => {
    const reported = reportError(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', syscall: 'read', path: '/data/x.png' }));
    expect(reported).toMatchObject({ exitCode: EXIT_CODES.fileSystem, unexpected: false, json: { code: 'CDM_IO_ERROR' } });
    expect(reported.message).toMatch(/^Cannot read \/data\/x\.png: input\/output error \(EIO: .*run the same command again.*\[CDM_IO_ERROR\]$/);
    expect(reportError(Object.assign(new Error('ESTALE'), { code: 'ESTALE', syscall: 'open' }))).toMatchObject({ exitCode: 10, json: { code: 'CDM_IO_ERROR' } });
  });

  it('a dataset read that fails with EIO mid-run: exit 10 with CDM_IO_ERROR, state.json at the last whole step, and the run resumes', async () => {
    const base = microBaseConfig();
    const config = join(dir, 'train-eio.json');
    await writeFile(
      config,
      JSON.stringify({
        ...base,
        runDir: 'runs/eio',
        stage: { ...base.stage, numClasses: 2, nullClass: 2 },
        // Read at every step (no prepared copy); no checkpoint is due before the failure.
        dataset: { type: 'image-folder', path: 'images', cache: false },
        training: { steps: 8, batchSize: 2, lr: 1e-3, classDropout: 0.2, checkpointEvery: 100, logEvery: 1, seed: 7 },
      }),
    );
    const runDir = join(dir, 'runs/eio');
    // 2 images a step: the disk fails during step 4 or 5 (the next batch is read ahead).
    Object.assign(failing, { under: join(dir, 'images'), after: 8, reads: 0 });
    let failed: Awaited<ReturnType<typeof cdm>>;
    try {
      failed = await cdm(['train', config, ...cpu, '--json']);
    } finally {
      failing.under = undefined;
    }
    expect(failing.reads).toBeGreaterThan(failing.after); // the fault was hit
    expectFailure(failed, EXIT_CODES.fileSystem, 'CDM_IO_ERROR');
    expect(failed.json()).toMatchObject({ ok: false, exitCode: 10, error: { code: 'CDM_IO_ERROR', message: expect.stringContaining(join(dir, 'images')) } });
    expect(failed.stderr).toContain('run the same command again');

    // What it learned is saved at the last step it finished, whose log line is the last one.
    const state = JSON.parse(await readFile(join(runDir, 'state.json'), 'utf8')) as { step: number; examplesSeen: number };
    const logged = (await readFile(join(runDir, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { step?: number })
      .filter((entry) => typeof entry.step === 'number');
    expect(state.step).toBeGreaterThanOrEqual(3);
    expect(state.step).toBeLessThan(8);
    expect(logged.at(-1)?.step).toBe(state.step);
    expect(state.examplesSeen).toBe(2 * state.step);

    const resumed = await cdm(['train', config, ...cpu, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.json()).toMatchObject({ ok: true, startStep: state.step, step: 8 });
  });
});
