import { memoryStorage, type Storage } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import type { TrainingLogEntry } from './training-log';
import { openTrainingLog } from './training-log-file';

const entry = (step: number) => ({ step, loss: 1 / step }) as unknown as TrainingLogEntry;

describe('openTrainingLog', () => {
  it('starts the file with the kept lines (dropping what was there), then appends one line at a time', async () => {
    const storage = memoryStorage({ 'run/log.jsonl': new TextEncoder().encode('{"step":1}\n{"step":2}\n{"step":3}\n{"st') });
    const writes: string[] = [];
    const appends: string[] = [];
    const watched: Storage = {
      ...storage,
      write: async (path, bytes) => (writes.push(path), storage.write(path, bytes)),
      append: async (path, bytes) => (appends.push(new TextDecoder().decode(bytes)), storage.append!(path, bytes)),
    };
    const log = await openTrainingLog(watched, 'run/log.jsonl', [entry(1)]);
    const text = async () => new TextDecoder().decode(await storage.read('run/log.jsonl'));
    expect(await text()).toBe('{"step":1,"loss":1}\n');
    await log.add(entry(2));
    await log.add(entry(4));
    expect(await text()).toBe('{"step":1,"loss":1}\n{"step":2,"loss":0.5}\n{"step":4,"loss":0.25}\n');
    expect(writes).toEqual(['run/log.jsonl']); // once, at the start
    expect(appends).toEqual(['{"step":2,"loss":0.5}\n', '{"step":4,"loss":0.25}\n']);
    expect(log.entries.map((e) => e.step)).toEqual([1, 2, 4]);
  });

  it('rewrites the whole file (atomically) on a storage that cannot append', async () => {
    const { append: _append, ...storage } = memoryStorage();
    const log = await openTrainingLog(storage, 'log.jsonl', []);
    expect(new TextDecoder().decode(await storage.read('log.jsonl'))).toBe('');
    await log.add(entry(1));
    await log.add(entry(2));
    expect(new TextDecoder().decode(await storage.read('log.jsonl'))).toBe('{"step":1,"loss":1}\n{"step":2,"loss":0.5}\n');
  });
});
