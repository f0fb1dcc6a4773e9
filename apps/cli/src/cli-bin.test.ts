import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const built = existsSync(bin);
const run = promisify(execFile);

// The root `npm test` builds before it tests, so this runs there; a bare `vitest run` without a build skips it and says why.
describe.skipIf(!built)(`the built bin${built ? '' : ' (skipped: apps/cli/dist/cli.js does not exist; run `npm run build` first)'}`, () => {
  it('node apps/cli/dist/cli.js info --json prints the report and exits 0', async () => {
    const { stdout } = await run(process.execPath, [bin, 'info', '--json'], { timeout: 30_000 });
    const info = JSON.parse(stdout);
    expect(info.node).toBe(process.version);
    expect(info.backends.map((b: { name: string }) => b.name)).toEqual(['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'tfjs-cpu']);
    expect(info.selected.name).toEqual(expect.any(String));
  });

  it('sets the exit status: a missing cascade.json is 3, with the coded message on stderr', async () => {
    const error = await run(process.execPath, [bin, 'sample', 'no-such-cascade.json'], { timeout: 30_000 }).then(
      () => expect.unreachable('expected a non-zero exit'),
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(error.code).toBe(3);
    expect(error.stderr).toMatch(/^cdm: No file at ".*no-such-cascade\.json".*\[CDM_NOT_FOUND\]\n$/);
    expect(error.stdout).toBe('');
  });

  it('cdm sample --demo never imports tfjs gradient registrations (a resolve hook refuses them) and writes the grid', async () => {
    const refuse = 'export async function resolve(s, c, next) { if (s.includes("register_all_gradients")) throw new Error("gradients imported"); return next(s, c); }';
    const installer = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(refuse)}`)});`;
    const preload = `data:text/javascript,${encodeURIComponent(installer)}`;
    const dir = await mkdtemp(join(tmpdir(), 'cdm-bin-sample-'));
    try {
      const out = join(dir, 'grid.png');
      await run(process.execPath, ['--import', preload, bin, 'sample', '--demo', '--n', '2', '--steps', '2,1', '--quiet', '--out', out], { timeout: 120_000 });
      expect(existsSync(out)).toBe(true);
      // The same hook does stop a command that registers gradients, so the check above can fail.
      const { stdout } = await run(process.execPath, ['--import', preload, bin, 'info', '--json'], { timeout: 60_000 });
      expect(JSON.parse(stdout).selectionError).toMatch(/register_all_gradients\.js could not be loaded: gradients imported/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
