// Part of `npm test`: the queue tests (`cdm sample --queue`, `cdm worker`) start a throwaway Redis
// from Debian's `redis-server` package on 127.0.0.1. This script installs the package when it can
// (root with apt-get), and otherwise says what the tests will skip and how to get Redis. It never
// fails the test run. (The package also starts a system-wide server on port 6379; the tests start
// their own and never use it.)
//
//   CDM_SKIP_REDIS_INSTALL=1 npm test    # never install; queue tests skip if redis-server is missing
import { spawnSync } from 'node:child_process';
import { ensureDebianPackage } from './debian-package.mjs';

const HOW = 'Install it with: sudo apt-get install -y redis-server (Debian/Ubuntu)';
const say = (text) => console.log(`[queue tests] ${text}`);

function version() {
  const run = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

const result = ensureDebianPackage({
  name: 'redis-server',
  what: 'redis-server',
  present: () => version() !== undefined,
  skip: process.env.CDM_SKIP_REDIS_INSTALL === '1',
  skipVariable: 'CDM_SKIP_REDIS_INSTALL',
  size: 'a few MB',
  say,
});
say(result.ok ? `${result.installed ? 'installed' : 'using'} ${version()}` : `${result.reason}: the queue tests will be skipped. ${HOW}`);
