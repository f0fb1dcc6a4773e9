import { memoryStorage } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { pruneCheckpoints } from './checkpoint-retention';

const one = Uint8Array.of(1);

describe('pruneCheckpoints', () => {
  it('keeps the newest keepLast at or below the current step, never the current one, and leaves later ones and other files alone', async () => {
    const storage = memoryStorage();
    for (const step of ['0000002', '0000004', '0000006', '0000008']) await storage.write(`run/checkpoints/step-${step}/model.safetensors`, one);
    await storage.write('run/checkpoints/notes.txt', one);
    await storage.write('run/state.json', one);
    expect(await pruneCheckpoints(storage, 'run', 6, 1)).toEqual(['run/checkpoints/step-0000004', 'run/checkpoints/step-0000002']);
    // step 8 is past the checkpoint state.json names (a crashed session's leftover): not counted, not deleted.
    expect(await storage.listDirectory!('run/checkpoints')).toEqual(['notes.txt', 'step-0000006', 'step-0000008']);
    expect(await pruneCheckpoints(storage, 'run', 8, 2)).toEqual([]);
  });

  it('deletes nothing where the storage cannot list or remove', async () => {
    const inner = memoryStorage({ 'run/checkpoints/step-0000001/a': one, 'run/checkpoints/step-0000002/a': one });
    const { remove: _remove, ...noRemove } = inner;
    const { listDirectory: _list, ...noList } = inner;
    expect(await pruneCheckpoints(noRemove, 'run', 2, 1)).toEqual([]);
    expect(await pruneCheckpoints(noList, 'run', 2, 1)).toEqual([]);
    expect(inner.list()).toHaveLength(2);
  });
});
