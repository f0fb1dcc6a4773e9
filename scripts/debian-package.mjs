// A Debian package that part of a run needs (chromium for the browser tests, redis-server for the
// queue tests, OpenBLAS for the benchmark's PyTorch anchor): installed with apt-get when this is a
// root shell on Linux that has it, never otherwise. Callers say what is skipped when it is missing.
import { execFileSync, spawnSync } from 'node:child_process';

const canRun = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/**
 * `{ ok: true, installed }` when `present()` holds, before or after installing `name`; else
 * `{ ok: false, reason }` ("… is missing and …", to be followed by what is skipped). Never throws.
 *
 * @param {{ name: string, what: string, present: () => boolean, skip: boolean, skipVariable: string, size?: string, say: (text: string) => void }} options
 *   `what` names the missing thing in messages (a path or a command); `skip` (from `skipVariable`=1) forbids installing.
 */
export function ensureDebianPackage({ name, what, present, skip, skipVariable, size, say }) {
  if (present()) return { ok: true, installed: false };
  if (skip) return { ok: false, reason: `${what} is missing and ${skipVariable}=1` };
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !canRun('apt-get')) {
    return { ok: false, reason: `${what} is missing and this is not a root shell with apt-get` };
  }
  say(`${what} is missing: installing Debian's ${name} package${size === undefined ? '' : ` (${size})`}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', name], { stdio: ['ignore', 'ignore', 'inherit'], env });
  try {
    try {
      install();
    } catch {
      // A fresh machine may have no package lists yet.
      execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
      install();
    }
  } catch (error) {
    return { ok: false, reason: `${what} is missing and installing ${name} failed (${error.message.split('\n')[0]})` };
  }
  return present() ? { ok: true, installed: true } : { ok: false, reason: `apt-get finished but ${what} is still missing` };
}
