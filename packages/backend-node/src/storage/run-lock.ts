import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errors } from '@cdm/core';
import { fileSystemError, makeDirectories, withFileSystemErrors } from './fs-errors';

/** The lock file in a run directory. */
export const RUN_LOCK_FILE = 'run.lock';

/** What a lock file says about the process holding it. */
export interface RunLockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** ISO time the lock was taken. */
  readonly startedAt: string;
  /** What the holder is doing (e.g. `cdm train config.json`), when it said. */
  readonly command?: string;
  /** Tells this lock from another one taken later by the same process id. */
  readonly token: string;
}

export interface RunLock {
  readonly path: string;
  readonly holder: RunLockHolder;
  /** Deletes the lock file if it is still this lock's. Safe to call more than once. */
  release(): Promise<void>;
  /** The same, synchronously: for `process.on('exit')`, where nothing asynchronous runs any more. */
  releaseSync(): void;
}

export interface AcquireRunLockOptions {
  readonly command?: string;
  /** Called when a lock left by a process that no longer runs (on this host) is taken over. */
  readonly onStale?: (holder: RunLockHolder) => void;
}

/** A lock file nobody has finished writing is someone's for this long; older, it is left over from a crash. */
const UNFINISHED_LOCK_MS = 10_000;

/**
 * Takes the exclusive lock of a run directory: `run.lock`, holding the process id, host name and
 * start time. The file appears atomically and complete: it is written under a temporary name and
 * hard-linked into place, which fails if the lock exists (like `open` with O_EXCL, but never
 * half-written); where hard links are not supported it is created with O_EXCL.
 *
 * If another live process holds the lock this throws CDM_RUN_LOCKED naming it. A lock whose process
 * is not running on this host (it crashed or was killed) is taken over, and `onStale` is told. A
 * lock from another host is always respected (its process cannot be checked from here).
 *
 * A run directory that cannot be written (read-only, no permission, a file in the way, a full disk)
 * fails with the file-system error's own code (CDM_READ_ONLY_FILE_SYSTEM, …) before anything else.
 */
export async function acquireRunLock(runDir: string, options: AcquireRunLockOptions = {}): Promise<RunLock> {
  const path = join(runDir, RUN_LOCK_FILE);
  await makeDirectories(runDir);
  const token = randomBytes(8).toString('hex');
  const holder: RunLockHolder = {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date().toISOString(),
    ...(options.command === undefined ? {} : { command: options.command }),
    token,
  };
  const content = `${JSON.stringify(holder, null, 2)}\n`;
  let last: RunLockHolder | undefined;
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await withFileSystemErrors(path, 'write', () => createExclusive(path, content, token))) return heldLock(path, holder);
    const current = await readHolder(path);
    if (current === 'gone') continue; // released meanwhile: try again
    if (current === 'unfinished') {
      await new Promise((done) => setTimeout(done, 100)); // its writer is about to finish it
      continue;
    }
    last = current.holder;
    if (!isStale(current.holder)) throw errors.runLocked(runDir, current.holder, path);
    // Take the stale lock over: move it aside (only one process can), then check that what moved is the
    // lock judged stale and not a fresh one that replaced it in between; a fresh one is put back.
    const aside = `${path}.stale-${token}`;
    try {
      await rename(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw fileSystemError(error, path, 'write');
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved === current.text) options.onStale?.(current.holder);
    else await link(aside, path).catch(() => {});
    await unlink(aside).catch(() => {});
  }
  throw errors.runLocked(runDir, last ?? { pid: -1, hostname: hostname(), startedAt: 'unknown' }, path);
}

/** Creates `path` with `content` unless it exists; false when it does. */
async function createExclusive(path: string, content: string, token: string): Promise<boolean> {
  const temp = `${path}.${token}.tmp`;
  await writeFile(temp, content);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw error;
    // No hard links on this file system: O_EXCL (the file is empty for a moment; readers wait for it).
    let file;
    try {
      file = await open(path, 'wx');
    } catch (openError) {
      if ((openError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw openError;
    }
    try {
      await file.writeFile(content);
    } finally {
      await file.close();
    }
    return true;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

async function readHolder(path: string): Promise<{ holder: RunLockHolder; text: string } | 'gone' | 'unfinished'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const holder = JSON.parse(text) as RunLockHolder;
    if (Number.isInteger(holder.pid) && typeof holder.hostname === 'string') return { holder, text };
  } catch {
    // not (yet) JSON
  }
  // Unreadable: being written right now (O_EXCL fallback), or left half-written by a crash long ago.
  const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => Infinity);
  return age > UNFINISHED_LOCK_MS ? { holder: { pid: -1, hostname: hostname(), startedAt: 'unknown', token: '' }, text } : 'unfinished';
}

/** A lock is stale when its holder ran on this host and runs no more. */
function isStale(holder: RunLockHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  if (holder.pid <= 0) return true;
  try {
    process.kill(holder.pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: it exists, as another user
  }
}

function heldLock(path: string, holder: RunLockHolder): RunLock {
  let released = false;
  const ours = (text: string) => {
    try {
      return (JSON.parse(text) as RunLockHolder).token === holder.token;
    } catch {
      return false;
    }
  };
  return {
    path,
    holder,
    async release() {
      if (released) return;
      released = true;
      const text = await readFile(path, 'utf8').catch(() => '');
      if (ours(text)) await unlink(path).catch(() => {});
    },
    releaseSync() {
      if (released) return;
      released = true;
      try {
        if (ours(readFileSync(path, 'utf8'))) unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
