// Part of `npm test`: package-lock.json must agree with the package.json files, so that a fresh
// `npm install` (CI, a new clone) does not rewrite it. Copies the root package.json, .npmrc, every
// workspace's package.json and package-lock.json into a scratch directory, runs
// `npm install --package-lock-only --ignore-scripts` there (offline from npm's cache first, online
// only if the cache lacks something) and fails if the lockfile changed, with the diff's first lines.
// Takes a second or two. Skips, saying so, where npm cannot reach the registry for what the cache
// lacks.
//
//   node scripts/lockfile-check.mjs
//   fix: npm install --package-lock-only --ignore-scripts, check the diff, commit package-lock.json
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (text) => console.log(`[lockfile-check] ${text}`);

/** The workspace folders the root package.json's `workspaces` globs name (only `dir/*` and plain paths). */
export function workspaceDirs(repoRoot) {
  const { workspaces = [] } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of workspaces) {
    if (pattern.endsWith('/*')) {
      const parent = pattern.slice(0, -2);
      if (!existsSync(join(repoRoot, parent))) continue;
      for (const entry of readdirSync(join(repoRoot, parent), { withFileTypes: true })) {
        if (entry.isDirectory() && existsSync(join(repoRoot, parent, entry.name, 'package.json'))) dirs.push(`${parent}/${entry.name}`);
      }
    } else if (!pattern.includes('*')) {
      if (existsSync(join(repoRoot, pattern, 'package.json'))) dirs.push(pattern);
    } else {
      throw new Error(`lockfile-check: workspace pattern ${pattern} is not supported (only "dir/*" and plain paths)`);
    }
  }
  return dirs.sort();
}

/** The first lines that differ between two texts, as a short `-`/`+` listing. */
function firstDifferences(before, after, max = 30) {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) {
    endA -= 1;
    endB -= 1;
  }
  const lines = [`@@ line ${start + 1}`, ...a.slice(start, endA + 1).map((l) => `-${l}`), ...b.slice(start, endB + 1).map((l) => `+${l}`)];
  return lines.length > max ? [...lines.slice(0, max), `… (${lines.length - max} more lines)`].join('\n') : lines.join('\n');
}

const NETWORK = /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network|socket hang up/i;

/**
 * Checks `repoRoot`'s package-lock.json against its package.json files (in a scratch copy; the
 * repository is not touched). `ok` is true (in sync), false (npm would rewrite it; `message` shows
 * how) or undefined (skipped: npm could not reach the registry for what its cache lacks).
 */
export function checkLockfile(repoRoot = root) {
  const started = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'cdm-lockfile-check-'));
  try {
    const copy = (path) => {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      copyFileSync(join(repoRoot, path), join(scratch, path));
    };
    copy('package.json');
    copy('package-lock.json');
    if (existsSync(join(repoRoot, '.npmrc'))) copy('.npmrc');
    const dirs = workspaceDirs(repoRoot);
    for (const dir of dirs) copy(`${dir}/package.json`);
    // npm records hasInstallScript for a package with a binding.gyp as well as for install scripts.
    for (const dir of dirs) if (existsSync(join(repoRoot, dir, 'binding.gyp'))) copy(`${dir}/binding.gyp`);

    const env = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    const args = ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'];
    let result = spawnSync('npm', [...args, '--offline'], { cwd: scratch, encoding: 'utf8', env });
    let mode = 'offline';
    if (result.status !== 0) {
      // npm's cache lacks something the lockfile needs: ask the registry.
      result = spawnSync('npm', args, { cwd: scratch, encoding: 'utf8', env, timeout: 50_000 });
      mode = 'online';
    }
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (result.status !== 0) {
      if (result.error?.code === 'ETIMEDOUT' || NETWORK.test(output)) {
        return { ok: undefined, message: `SKIP: npm could not reach the registry for what its cache lacks, so package-lock.json was not checked (${output.trim().split('\n').pop()})` };
      }
      return { ok: false, message: `FAIL: npm install --package-lock-only failed (${mode}, exit ${result.status ?? result.signal}):\n${output.slice(-3000)}` };
    }
    const before = readFileSync(join(repoRoot, 'package-lock.json'), 'utf8');
    const after = readFileSync(join(scratch, 'package-lock.json'), 'utf8');
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (before !== after) {
      return {
        ok: false,
        message:
          `FAIL: package-lock.json is out of sync with the package.json files: a fresh \`npm install\` rewrites it (${mode}, ${dirs.length} workspaces, ${seconds} s).\n` +
          `Fix: npm install --package-lock-only --ignore-scripts, check the diff, commit package-lock.json. The change npm makes:\n${firstDifferences(before, after)}`,
      };
    }
    return { ok: true, message: `ok   package-lock.json matches the root and ${dirs.length} workspace package.json files (${mode}, ${seconds} s)` };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { ok, message } = checkLockfile(process.argv[2] ?? root);
  say(message);
  process.exitCode = ok === false ? 1 : 0;
}
