import { joinPath, type Storage } from '@cdm/core';

const CHECKPOINT_NAME = /^step-(\d{7,})$/;

/**
 * Deletes the checkpoint directories of a run beyond the newest `keepLast` among those at or below
 * `currentStep` (the one `state.json` names, which is always kept). Directories past `currentStep`
 * are left alone: they are what a crashed session wrote after the checkpoint it resumed from, and
 * the run overwrites them when it gets there. Needs `storage.remove` and `storage.listDirectory`;
 * without them nothing is deleted. Returns the deleted directories.
 */
export async function pruneCheckpoints(storage: Storage, runDir: string, currentStep: number, keepLast: number): Promise<string[]> {
  if (storage.remove === undefined || storage.listDirectory === undefined) return [];
  const dir = joinPath(runDir, 'checkpoints');
  const steps = (await storage.listDirectory(dir))
    .map((name) => ({ name, step: Number(CHECKPOINT_NAME.exec(name)?.[1] ?? NaN) }))
    .filter(({ step }) => Number.isInteger(step) && step <= currentStep)
    .sort((a, b) => b.step - a.step);
  const removed: string[] = [];
  for (const { name, step } of steps.slice(Math.max(1, keepLast))) {
    if (step === currentStep) continue; // never the checkpoint state.json names
    const path = joinPath(dir, name);
    await storage.remove(path);
    removed.push(path);
  }
  return removed;
}
