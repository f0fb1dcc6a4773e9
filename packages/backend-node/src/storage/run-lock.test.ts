import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCdmError } from '@cdm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleChildScript } from '../testing/bundle-child-script';
import { acquireRunLock, RUN_LOCK_FILE, type RunLockHolder } from './run-lock';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdm-run-lock-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The id of a process that has exited (so, on this host, not running). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((done) => child.on('close', done));
  return child.pid!;
}

const holderFile = (holder: Partial<RunLockHolder>) => JSON.stringify({ startedAt: '2026-01-01T00:00:00.000Z', token: 'x', ...holder });

describe('acquireRunLock: two processes', () => {
  it('a second process is refused while the first holds the lock; after the first is killed the lock is taken over; exit releases it', async () => {
    // Each child takes the lock on the directory in argv[2]; 'hold' keeps it until killed, 'exit' ends
    // with process.exit (released by the exit handler), 'once' releases it and ends.
    const bundle = await bundleChildScript(
      'run-lock-child',
      `import { acquireRunLock } from ${JSON.stringify(fileURLToPath(new URL('./run-lock.ts', import.meta.url)))};
      const [dir, mode] = process.argv.slice(2);
      const say = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
      try {
        const lock = await acquireRunLock(dir, { command: 'test ' + mode, onStale: (holder) => say({ stale: holder.pid }) });
        say({ locked: process.pid });
        if (mode === 'hold') setInterval(() => {}, 1000);
        else if (mode === 'exit') { process.once('exit', () => lock.releaseSync()); process.exit(0); }
        else { await lock.release(); say({ released: true }); }
      } catch (error) {
        say({ code: error.code, message: error.message });
        process.exitCode = 9;
      }`,
      dir,
    );
    const runDir = join(dir, 'shared-run');
    const start = (mode: string) => {
      const child = spawn(process.execPath, [bundle, runDir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines: Record<string, unknown>[] = [];
      let waiting: (() => void) | undefined;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        waiting?.();
      });
      const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      const firstLine = new Promise<void>((done) => (waiting = done));
      return { child, lines, closed, firstLine };
    };

    const first = start('hold');
    await first.firstLine;
    expect(first.lines).toEqual([{ locked: first.child.pid }]);
    const holder = JSON.parse(await readFile(join(runDir, RUN_LOCK_FILE), 'utf8')) as RunLockHolder;
    expect(holder).toMatchObject({ pid: first.child.pid, hostname: hostname(), command: 'test hold' });

    const second = start('once');
    expect(await second.closed).toBe(9);
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatchObject({ code: 'CDM_RUN_LOCKED' });
    expect(second.lines[0]!['message']).toContain(`is in use by process ${first.child.pid} on ${hostname()}`);

    first.child.kill('SIGKILL');
    expect(await first.closed).toBeNull();
    expect(await readdir(runDir)).toEqual([RUN_LOCK_FILE]); // a kill leaves the lock behind

    const third = start('exit');
    expect(await third.closed).toBe(0);
    expect(third.lines).toEqual([{ stale: first.child.pid }, { locked: third.child.pid }]);
    expect(await readdir(runDir)).toEqual([]); // released on process.exit

    const fourth = start('once');
    expect(await fourth.closed).toBe(0);
    expect(fourth.lines).toEqual([{ locked: fourth.child.pid }, { released: true }]);
    expect(await readdir(runDir)).toEqual([]);
    await rm(dirname(bundle), { recursive: true, force: true });
  });
});

describe('acquireRunLock: stale and foreign locks', () => {
  it('takes over a lock naming a process that is not running on this host, and says so', async () => {
    const runDir = join(dir, 'stale');
    const pid = await deadPid();
    await acquireRunLock(runDir).then((lock) => lock.release()); // creates the directory
    await writeFile(join(runDir, RUN_LOCK_FILE), holderFile({ pid, hostname: hostname() }));
    const stale: RunLockHolder[] = [];
    const lock = await acquireRunLock(runDir, { onStale: (holder) => stale.push(holder) });
    expect(stale.map((h) => h.pid)).toEqual([pid]);
    expect(JSON.parse(await readFile(lock.path, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await readdir(runDir)).toEqual([]);
  });

  it('respects a lock of this very process, and one from another host even if its pid is free here', async () => {
    const runDir = join(dir, 'held');
    const lock = await acquireRunLock(runDir);
    const refused = await acquireRunLock(runDir).catch((e: unknown) => e);
    expect(isCdmError(refused, 'CDM_RUN_LOCKED')).toBe(true);
    expect((refused as Error).message).toContain(`delete ${join(runDir, RUN_LOCK_FILE)}`);
    await lock.release();
    await lock.release(); // twice is fine

    await writeFile(join(runDir, RUN_LOCK_FILE), holderFile({ pid: await deadPid(), hostname: 'another-host' }));
    await expect(acquireRunLock(runDir)).rejects.toThrow(/in use by process \d+ on another-host/);
  });

  it('a release does not delete a lock that is no longer its own; an unreadable lock left long ago is stale', async () => {
    const runDir = join(dir, 'replaced');
    const lock = await acquireRunLock(runDir);
    await writeFile(lock.path, holderFile({ pid: process.pid, hostname: hostname(), token: 'someone-else' }));
    await lock.release();
    expect(await readdir(runDir)).toEqual([RUN_LOCK_FILE]);

    await writeFile(lock.path, '{"pid": 12'); // cut short by a crash
    const old = new Date(Date.now() - 60_000);
    await utimes(lock.path, old, old);
    const taken = await acquireRunLock(runDir);
    expect(JSON.parse(await readFile(taken.path, 'utf8'))).toMatchObject({ pid: process.pid });
    taken.releaseSync();
    expect(await readdir(runDir)).toEqual([]);
  });
});
