import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'vitest';

/** Files larger than this are fingerprinted by inode, size, time and their first and last MiB rather than read whole. */
const WHOLE_HASH_LIMIT = 64 * 2 ** 20;

/** Every file under `dir` (recursively) with the SHA-256 of its content, by relative path. */
export async function fileHashes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const visit = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) out.set(relative(dir, path), await fingerprint(path));
    }
  };
  await visit(dir);
  return out;
}

async function fingerprint(path: string): Promise<string> {
  const info = await stat(path);
  if (info.size <= WHOLE_HASH_LIMIT) return createHash('sha256').update(await readFile(path)).digest('hex');
  const file = await open(path, 'r');
  try {
    const hash = createHash('sha256').update(`${info.ino}:${info.size}:${info.mtimeMs}`);
    for (const position of [0, info.size - 2 ** 20]) {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(2 ** 20), 0, 2 ** 20, position);
      hash.update(buffer.subarray(0, bytesRead));
    }
    return hash.digest('hex');
  } finally {
    await file.close();
  }
}

/** Asserts that every file that was under `dir` is still there with the same content; returns the files added since. */
export async function expectUnchanged(dir: string, before: ReadonlyMap<string, string>, ignore: (path: string) => boolean = () => false): Promise<string[]> {
  const after = await fileHashes(dir);
  for (const [path, hash] of before) if (!ignore(path)) expect(after.get(path), `${path} changed`).toBe(hash);
  return [...after.keys()].filter((path) => !before.has(path)).sort();
}

/** What `cdm` did: its exit status and, for a failure, the coded error it named on stderr (never a "bug"). */
export function expectFailure(result: { code: number; stderr: string }, exitCode: number, errorCode: string): void {
  expect(result.stderr, result.stderr).toContain(`[${errorCode}]`);
  expect(result.stderr).not.toContain('This is a bug');
  expect(result.code).toBe(exitCode);
}

/** A small tmpfs of its own: full-disk and read-only file systems for real, without touching the machine's disks. */
export interface Tmpfs {
  readonly dir: string;
  /** Fills every free byte with a filler file (writes there then fail with ENOSPC). */
  fill(): void;
  /** Deletes the filler. */
  free(): void;
  remount(mode: 'ro' | 'rw'): void;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `size` (e.g. '16m') on a fresh directory. Needs root (CI runs as root); returns
 * the reason instead when it cannot, so the caller skips with a message. The mount is also undone at
 * process exit, should the test runner never reach `unmount`.
 */
export async function mountTmpfs(size: string): Promise<Tmpfs | string> {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root (run the tests as root, as CI does, to include them)';
  const dir = await mkdtemp(join(tmpdir(), 'cdm-tmpfs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${(mounted.stderr || mounted.error?.message || `status ${mounted.status}`).trim()}`;
  }
  let isMounted = true;
  const umount = () => {
    if (!isMounted) return;
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    isMounted = false;
  };
  process.once('exit', umount);
  const filler = join(dir, '.filler');
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      try {
        for (const chunk of [1 << 16, 1 << 12, 1 << 8, 1]) {
          const bytes = new Uint8Array(chunk).fill(7);
          for (;;) {
            try {
              writeSync(fd, bytes);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
    },
    free() {
      unlinkSync(filler);
    },
    remount(mode) {
      const result = spawnSync('mount', ['-o', `remount,${mode}`, dir], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`mount -o remount,${mode} ${dir} failed: ${result.stderr}`);
    },
    async unmount() {
      process.off('exit', umount);
      umount();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
