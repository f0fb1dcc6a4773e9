import { describe, expect, it } from 'vitest';
import { cosineSchedule } from './cosine';
import { linearSchedule } from './linear';
import { respaceSchedule, spacedTimesteps } from './respace';

describe('spacedTimesteps', () => {
  it('strides DDIM steps exactly', () => {
    expect(spacedTimesteps(1000, 'ddim50')).toEqual(Array.from({ length: 50 }, (_, i) => i * 20));
    expect(spacedTimesteps(1000, 'ddim25')).toEqual(Array.from({ length: 25 }, (_, i) => i * 40));
    expect(() => spacedTimesteps(1000, 'ddim999')).toThrow(/integer stride/);
  });

  it('takes evenly spaced steps per section, ends included', () => {
    const kept = spacedTimesteps(1000, '250');
    expect(kept).toHaveLength(250);
    expect(kept[0]).toBe(0);
    expect(kept[249]).toBe(999);
    expect(spacedTimesteps(1000, 4)).toEqual([0, 333, 666, 999]);
    // Three sections of 100: the first strided 11 apart (99/9), the others with rounding.
    const sections = spacedTimesteps(300, '10,15,20');
    expect(sections).toHaveLength(45);
    expect(sections.slice(0, 10)).toEqual([0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    expect(sections[10]).toBe(100);
    expect(sections[44]).toBe(299);
  });

  it('rounds halves to even like the reference (Python round)', () => {
    // 10 steps, 3 kept: stride 4.5, so 0, round(4.5) = 4, 9.
    expect(spacedTimesteps(10, 3)).toEqual([0, 4, 9]);
    // stride 2.5: 0, round(2.5) = 2, 5, round(7.5) = 8, 10
    expect(spacedTimesteps(11, 5)).toEqual([0, 2, 5, 8, 10]);
  });

  it('accepts explicit lists, sorted and de-duplicated, and rejects bad specs', () => {
    expect(spacedTimesteps(10, [9, 0, 5, 5])).toEqual([0, 5, 9]);
    expect(() => spacedTimesteps(10, [10])).toThrow(expect.objectContaining({ code: 'CDM_TIMESTEP_OUT_OF_RANGE' }));
    expect(() => spacedTimesteps(10, 'fast')).toThrow(/"ddimN", "N" or "N1,N2,…"/);
    expect(() => spacedTimesteps(10, 11)).toThrow(/section 0 to take 1…10 steps/);
    expect(() => spacedTimesteps(10, 0)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => spacedTimesteps(10, [])).toThrow(/at least one timestep/);
  });
});

describe('respaceSchedule', () => {
  it('keeps ᾱ at every kept index exactly and rescales β to match', () => {
    const base = cosineSchedule.create(1000);
    const respaced = respaceSchedule(base, 'ddim50');
    expect(respaced.numTimesteps).toBe(50);
    expect(Array.from(respaced.timestepMap)).toEqual(Array.from({ length: 50 }, (_, i) => i * 20));
    for (let k = 0; k < 50; k++) expect(respaced.alphasCumprod[k]).toBe(base.alphasCumprod[k * 20]);
    // β'_k = 1 − ᾱ[i_k]/ᾱ[i_{k−1}]: the product of (1 − β') reproduces ᾱ to float64 precision.
    let product = 1;
    for (let k = 0; k < 50; k++) {
      product *= 1 - respaced.betas[k]!;
      expect(Math.abs(product - base.alphasCumprod[k * 20]!) / base.alphasCumprod[k * 20]!).toBeLessThan(1e-12);
    }
  });

  it('reproduces the original schedule bit for bit when every step is kept', () => {
    const base = linearSchedule.create(100);
    const all = respaceSchedule(base, 100);
    expect(Array.from(all.betas)).toEqual(Array.from(base.betas));
    expect(Array.from(all.alphasCumprod)).toEqual(Array.from(base.alphasCumprod));
    expect(Array.from(all.timestepMap)).toEqual(Array.from(base.timestepMap));
  });

  it('composes: respacing a respaced schedule maps to the original timesteps', () => {
    const twice = respaceSchedule(respaceSchedule(linearSchedule.create(1000), 'ddim100'), 'ddim10');
    expect(Array.from(twice.timestepMap)).toEqual(Array.from({ length: 10 }, (_, i) => i * 100));
  });

  it('handles a first kept index above 0', () => {
    const base = linearSchedule.create(100);
    const respaced = respaceSchedule(base, [3, 9]);
    expect(respaced.betas[0]).toBeCloseTo(1 - base.alphasCumprod[3]!, 15);
    expect(respaced.alphasCumprod[0]).toBe(base.alphasCumprod[3]);
  });
});
