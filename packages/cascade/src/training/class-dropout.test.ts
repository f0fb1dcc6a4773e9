import { createRng } from '@cdm/core';
import { expect, it } from 'vitest';
import { dropClassLabels } from './class-dropout';

it('replaces labels with the null class at the stated rate (within 5 standard errors) and keeps the rest', () => {
  const n = 20_000;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  for (const p of [0.1, 0.5]) {
    const out = dropClassLabels(labels, p, 10, createRng(1));
    const dropped = out.filter((l) => l === 10).length / n;
    expect(Math.abs(dropped - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    expect(out.every((l, i) => l === 10 || l === labels[i])).toBe(true);
  }
  expect(Array.from(dropClassLabels(labels, 0, 10, createRng(1)))).toEqual(Array.from(labels));
  expect(dropClassLabels(labels, 1, 10, createRng(1)).every((l) => l === 10)).toBe(true);
  expect(() => dropClassLabels(labels, 1.5, 10, createRng(1))).toThrow(/Invalid classDropout/);
});
