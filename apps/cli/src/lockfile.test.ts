// package-lock.json must agree with the package.json files (a fresh `npm install` must not rewrite
// it); scripts/lockfile-check.mjs, which `npm test` runs first, checks it. Here: that the check
// passes on the repository and catches the drift it was written for (1807bef moved bullmq and
// ioredis to apps/cli's optionalDependencies; the lockfile kept them under dependencies).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLockfile, workspaceDirs } from '../../../scripts/lockfile-check.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'cdm-lockfile-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('package-lock.json against the package.json files', () => {
  it('lists every workspace, apps/cli among them', () => {
    expect(workspaceDirs(root)).toEqual(expect.arrayContaining(['apps/cli', 'packages/core', 'packages/backend-node']));
  });

  it('is in sync in the repository (or the check says it was skipped)', () => {
    const { ok, message } = checkLockfile(root);
    expect(ok, message).not.toBe(false);
  });

  it('fails, showing the change npm makes, when the lockfile lists an optional dependency as a regular one', () => {
    for (const path of ['package.json', '.npmrc', ...workspaceDirs(root).map((d) => `${d}/package.json`)]) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      cpSync(join(root, path), join(scratch, path));
    }
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dependencies?: Record<string, string> }> };
    const cli = lock.packages['apps/cli']!;
    cli.dependencies = { ...cli.dependencies, bullmq: '^6.7.6' };
    writeFileSync(join(scratch, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const { ok, message } = checkLockfile(scratch);
    if (ok === undefined) return; // npm could not reach the registry: the message says so
    expect(ok, message).toBe(false);
    expect(message).toContain('package-lock.json is out of sync');
    expect(message).toContain('npm install --package-lock-only --ignore-scripts');
    expect(message).toMatch(/^-\s+"bullmq": "\^6\.7\.6"/m);
  });
});
