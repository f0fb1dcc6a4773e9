import { expect, it } from 'vitest';
import { createLogAccumulator, formatLogLines, parseLogLines } from './training-log';

it('averages over the interval and splits losses by quarter of t (t < T/4, …), with null for an empty quarter', () => {
  const log = createLogAccumulator(100);
  log.add({ loss: 1, timesteps: [0, 24, 25, 99], losses: [4, 2, 1, 0.5], mse: [4, 2, 1, 0.5], lr: 0.1, gradNorm: 2 });
  log.add({ loss: 3, timesteps: [10, 80], losses: [6, 1.5], mse: [6, 1.5], lr: 0.2, gradNorm: 4 });
  expect(log.pending).toBe(2);
  const entry = log.flush({ step: 2, examplesSeen: 6, seconds: 5, elapsedSeconds: 0.5 });
  expect(entry).toEqual({
    step: 2,
    updates: 2,
    loss: 2,
    lossByQuartile: [4, 1, null, 1],
    mse: 15 / 6,
    lr: 0.2,
    gradNorm: 3,
    stepsPerSecond: 4,
    examplesSeen: 6,
    seconds: 5,
  });
  expect(log.pending).toBe(0);
  const text = formatLogLines([entry, { ...entry, step: 3 }]) + '{"step": 4, "lo'; // a line cut short by a crash
  expect(parseLogLines(text, 2)).toEqual([entry]);
  expect(parseLogLines(text, 10).map((e) => e.step)).toEqual([2, 3]);
});
