// Part of `npm test`: the queue tests (`cdm sample --queue`, `cdm worker`) start a throwaway Redis
// from Debian's `redis-server` package on 127.0.0.1. This script installs the package when it can
// (root with apt-get), and otherwise says what the tests will skip and how to get Redis. It never
// fails the test run.
//
//   CDM_SKIP_REDIS_INSTALL=1 npm test    # never install; queue tests skip if redis-server is missing
import { execFileSync, spawnSync } from 'node:child_process';

const HOW = 'Install it with: sudo apt-get install -y redis-server (Debian/Ubuntu)';

function say(text) {
  console.log(`[queue tests] ${text}`);
}

function found() {
  const run = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

function canRun(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

const version = found();
if (version !== undefined) {
  say(`using ${version}`);
} else if (process.env.CDM_SKIP_REDIS_INSTALL === '1') {
  say(`redis-server is missing and CDM_SKIP_REDIS_INSTALL=1: the queue tests will be skipped. ${HOW}`);
} else if (process.platform !== 'linux' || process.getuid?.() !== 0 || !canRun('apt-get')) {
  say(`redis-server is missing and this is not a root shell with apt-get: the queue tests will be skipped. ${HOW}`);
} else {
  say('redis-server is missing: installing Debian\'s redis-server package (a few MB)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  try {
    try {
      install();
    } catch {
      // A fresh machine may have no package lists yet.
      execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
      install();
    }
    // The package starts a system-wide server on port 6379; the tests start their own and never use it.
    say(found() !== undefined ? `installed ${found()}` : 'apt-get finished but redis-server is still missing: the queue tests will be skipped');
  } catch (error) {
    say(`could not install redis-server (${error.message.split('\n')[0]}): the queue tests will be skipped. ${HOW}`);
  }
}
