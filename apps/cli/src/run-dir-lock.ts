import { join } from 'node:path';
import { acquireRunLock, RUN_LOCK_FILE } from '@cdm/backend-node';
import type { CliOutput } from './io';

/**
 * Takes the run directory's lock for a command (CDM_RUN_LOCKED, exit 9, when another live process
 * holds it; a lock left by a process that no longer runs is taken over with a warning on `stderr`).
 * `release` gives it back; should the process exit before that (a second Ctrl-C), an exit handler
 * deletes it.
 */
export async function lockRunDirectory(runDir: string, command: string, stderr: CliOutput): Promise<{ release(): Promise<void> }> {
  const lock = await acquireRunLock(runDir, {
    command,
    onStale: (holder) =>
      stderr.write(`Warning: taking over ${join(runDir, RUN_LOCK_FILE)}, left by process ${holder.pid} (started ${holder.startedAt}), which is no longer running.\n`),
  });
  const onExit = () => lock.releaseSync();
  process.once('exit', onExit);
  return {
    release: async () => {
      process.off('exit', onExit);
      await lock.release();
    },
  };
}
