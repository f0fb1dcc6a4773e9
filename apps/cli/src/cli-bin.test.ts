import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
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
    expect(info.backends.map((b: { name: string }) => b.name)).toEqual(['tensorflow-cuda', 'tensorflow', 'wasm', 'tfjs-cpu']);
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
});
