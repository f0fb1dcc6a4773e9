import { describe, expect, it } from 'vitest';
import { topKAccuracy } from './top-k-accuracy';

describe('topKAccuracy', () => {
  const logits = [
    [5, 1, 0, 0], // label 0: rank 1
    [1, 2, 3, 4], // label 1: rank 3
    [0, 9, 8, 7], // label 3: rank 3
    [1, 1, 1, 1], // label 2: ties count for the label → rank 1
  ].flat();
  const labels = [0, 1, 3, 2];
  it('counts labels among the k largest logits', () => {
    expect(topKAccuracy(logits, labels, 4, 4, 1)).toBe(0.5);
    expect(topKAccuracy(logits, labels, 4, 4, 2)).toBe(0.5);
    expect(topKAccuracy(logits, labels, 4, 4, 3)).toBe(1);
  });
  it('names a label outside the classes', () => {
    expect(() => topKAccuracy(logits, [0, 1, 3, 4], 4, 4, 1)).toThrow('Invalid labels[3]: expected a class in 0…3, got 4');
  });
});
