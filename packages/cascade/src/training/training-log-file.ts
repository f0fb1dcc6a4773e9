import type { Storage } from '@cdm/core';
import { formatLogLines, type TrainingLogEntry } from './training-log';

/** Keeps a run's JSON-lines log on storage current, one line at a time. */
export interface TrainingLogFile {
  /** Adds a line to the file (and to `entries`). */
  add(entry: TrainingLogEntry): Promise<void>;
  /** Every line of the log, in order. */
  readonly entries: readonly TrainingLogEntry[];
}

/**
 * Starts the log at `path` with `entries` (the lines a resumed run keeps, or none), written
 * atomically, so that lines past the resumed checkpoint and any line cut short by a crash are gone.
 * Each later line is appended when the storage can append (`storage.append`, a few hundred bytes per
 * line); otherwise the whole log is rewritten atomically, which is fine for the storages that lack
 * `append` (memory and other scratch storages hold small logs). A crash mid-append leaves at worst a
 * cut-off last line, which `parseLogLines` skips and the next session's start removes.
 */
export async function openTrainingLog(storage: Storage, path: string, entries: readonly TrainingLogEntry[]): Promise<TrainingLogFile> {
  const lines = [...entries];
  await storage.write(path, new TextEncoder().encode(formatLogLines(lines)));
  return {
    entries: lines,
    async add(entry) {
      lines.push(entry);
      if (storage.append !== undefined) await storage.append(path, new TextEncoder().encode(formatLogLines([entry])));
      else await storage.write(path, new TextEncoder().encode(formatLogLines(lines)));
    },
  };
}
