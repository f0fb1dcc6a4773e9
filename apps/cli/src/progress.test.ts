import { describe, expect, it } from 'vitest';
import { createProgress, formatSeconds } from './progress';

const sink = (isTTY: boolean) => {
  const writes: string[] = [];
  return { output: { write: (text: string) => void writes.push(text), isTTY }, writes };
};

describe('createProgress', () => {
  it('prints about ten plain lines with rate and ETA when the output is not a terminal', () => {
    let now = 0;
    const { output, writes } = sink(false);
    const task = createProgress(output, { enabled: true, now: () => now }).start('base', 100);
    for (let step = 1; step <= 100; step++) {
      now = step * 50; // 20 steps/s
      task.update(step, step === 100 ? 'loss 0.1' : undefined);
    }
    task.done();
    expect(writes).toHaveLength(10);
    expect(writes[0]).toBe('base: 10/100 steps (20.0 steps/s, ETA 4.5s)\n');
    expect(writes[9]).toBe('base: 100/100 steps (20.0 steps/s, ETA 0.0s) loss 0.1\n');
  });

  it('measures the rate from where a resumed task started', () => {
    let now = 0;
    const { output, writes } = sink(false);
    const task = createProgress(output, { enabled: true, now: () => now }).start('train', 20, { initial: 10 });
    now = 2000;
    task.update(12);
    task.done();
    expect(writes).toEqual(['train: 12/20 steps (1.00 steps/s, ETA 8.0s)\n']);
  });

  it('draws a bar with the rate on a terminal, and nothing when disabled', () => {
    const tty = sink(true);
    const task = createProgress(tty.output, { enabled: true }).start('sr16', 4);
    task.update(4, 'done');
    task.done();
    expect(tty.writes.join('')).toMatch(/sr16 \|█+\| 4\/4 steps \| [\d.]+\/s \| ETA 0s done/);
    const off = sink(true);
    createProgress(off.output, { enabled: false }).start('x', 3).update(3);
    expect(off.writes).toEqual([]);
  });

  it('formats durations', () => {
    expect([formatSeconds(0.42), formatSeconds(42), formatSeconds(125), formatSeconds(3 * 3600 + 7 * 60)]).toEqual(['0.4s', '42s', '2m05s', '3h07m']);
  });
});
