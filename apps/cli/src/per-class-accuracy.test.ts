import { describe, expect, it } from 'vitest';
import { perClassAccuracy } from './per-class-accuracy';

describe('perClassAccuracy', () => {
  it('counts top-1 hits per target class, with Wilson intervals, skipping classes without samples', () => {
    // 3 classes; rows: targets 0,0,0,1,1 (none of class 2). Row argmax: 0,1,0,1,2.
    const logits = [
      [5, 1, 0],
      [0, 3, 1],
      [2, 1, 1],
      [0, 4, 1],
      [0, 1, 9],
    ].flat();
    const result = perClassAccuracy(logits, [0, 0, 0, 1, 1], 3, ['tee', 'trouser', 'bag']);
    expect(result.map((r) => [r.class, r.name, r.samples, r.accuracy])).toEqual([
      [0, 'tee', 3, 2 / 3],
      [1, 'trouser', 2, 1 / 2],
    ]);
    // Wilson 95 % for 2 of 3: 0.2077 … 0.9385 (closed form, z = 1.96).
    expect(result[0]!.low).toBeCloseTo(0.2077, 3);
    expect(result[0]!.high).toBeCloseTo(0.9385, 3);
  });
});
