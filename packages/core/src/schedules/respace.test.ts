import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cosineSchedule } from './cosine';
import { linearSchedule } from './linear';
import { respaceSchedule, spacedTimesteps } from './respace';

// ---------------------------------------------------------------------------------------------
// An independent model of guided-diffusion's space_timesteps, in integer arithmetic only.
//
// A float ≥ 1 below 2^31 is held exactly as (whole, frac): its value is whole + frac·2^-52, with
// whole and frac plain integers (frac < 2^52, so every step below is exact in a Number). An IEEE
// double in [2^e, 2^(e+1)) is a multiple of 2^(e−52), i.e. frac is a multiple of 2^e, so rounding
// an exact sum to a double is rounding frac to a multiple of 2^e, ties to even. No float division,
// addition or Math.round is involved, so this checks the implementation's reliance on JS floats
// behaving as Python's do.
// ---------------------------------------------------------------------------------------------

const FRAC_ONE = 2 ** 52;

interface Fixed {
  whole: number;
  frac: number;
}

/** Rounds whole + frac·2^-52 (frac may reach 2^53) to the nearest double, ties to even. */
function toDouble(whole: number, frac: number): Fixed {
  if (frac >= FRAC_ONE) {
    whole += Math.floor(frac / FRAC_ONE);
    frac %= FRAC_ONE;
  }
  const e = 31 - Math.clz32(whole); // whole ≥ 1
  const grid = 2 ** e;
  const rest = frac % grid;
  let kept = frac - rest;
  if (rest > grid / 2 || (rest === grid / 2 && (kept / grid) % 2 === 1)) kept += grid;
  return kept >= FRAC_ONE ? { whole: whole + 1, frac: kept - FRAC_ONE } : { whole, frac: kept };
}

/** The double nearest to the rational a/b (a ≥ b > 0), with BigInt for the one long division. */
function divide(a: number, b: number): Fixed {
  const whole = Math.floor(a / b); // exact: small integers
  const remainder = BigInt(a - whole * b);
  // frac = remainder·2^52/b, rounded to a multiple of 2^e (e = ⌊log2 whole⌋), ties to even.
  const e = BigInt(31 - Math.clz32(whole));
  const numerator = remainder << 52n;
  const unit = BigInt(b) << e;
  let q = numerator / unit;
  const r = numerator - q * unit;
  if (2n * r > unit || (2n * r === unit && q % 2n === 1n)) q += 1n;
  return toDouble(whole, Number(q << e));
}

/** Python's round() of the exact value whole + frac·2^-52. */
const pythonRound = ({ whole, frac }: Fixed) =>
  frac > FRAC_ONE / 2 || (frac === FRAC_ONE / 2 && whole % 2 === 1) ? whole + 1 : whole;

function modelSections(T: number, counts: readonly number[]): number[] {
  const out: number[] = [];
  const shorter = Math.floor(T / counts.length);
  let start = 0;
  counts.forEach((count, i) => {
    const size = shorter + (i < T % counts.length ? 1 : 0);
    const stride = count <= 1 ? { whole: 1, frac: 0 } : divide(size - 1, count - 1);
    let position: Fixed = { whole: 0, frac: 0 };
    for (let j = 0; j < count; j++) {
      out.push(start + (position.whole === 0 ? 0 : pythonRound(position)));
      position = position.whole === 0 ? stride : toDouble(position.whole + stride.whole, position.frac + stride.frac);
    }
    start += size;
  });
  return out; // ascending and distinct already: every stride is ≥ 1
}

/** "ddimN": len(range(0, T, k)) for k = 1…T−1, by counting multiples. */
function modelDdim(T: number, n: number): number[] | undefined {
  for (let k = 1; k <= T - 1; k++) {
    let length = 0;
    for (let t = 0; t < T; t += k) length++;
    if (length === n) return Array.from({ length: n }, (_, i) => i * k);
  }
  return undefined;
}

const here = dirname(fileURLToPath(import.meta.url));
const reference = JSON.parse(readFileSync(join(here, 'fixtures/respace-reference.json'), 'utf8')) as {
  sha256: Record<string, string>;
  sections: Record<string, number[]>;
  ddim: Record<string, [number, number][]>;
  naiveDifferences1000: [number, [number, number][]][];
};

describe('spacedTimesteps: exactly guided-diffusion', () => {
  it('the integer model itself rounds like IEEE doubles (self-check on a few strides)', () => {
    for (const [a, b] of [[999, 102], [999, 114], [4, 3], [999, 7], [3999, 2998]] as const) {
      const { whole, frac } = divide(a, b);
      expect(whole + frac / FRAC_ONE).toBe(a / b);
    }
    let position: Fixed = { whole: 0, frac: 0 };
    let float = 0;
    const stride = divide(999, 114);
    for (let j = 0; j < 114; j++) {
      position = position.whole === 0 ? stride : toDouble(position.whole + stride.whole, position.frac + stride.frac);
      float += 999 / 114;
      expect(position.whole + position.frac / FRAC_ONE).toBe(float);
    }
  });

  /** spacedTimesteps(T, count) for every count 1…T, computed once for the two checks below. */
  const everyCount = new Map<number, number[][]>();
  const allCounts = (T: number) => {
    if (!everyCount.has(T)) everyCount.set(T, Array.from({ length: T }, (_, i) => spacedTimesteps(T, i + 1)));
    return everyCount.get(T)!;
  };

  it.each([1000, 4000])('matches the integer model for every count 1…T at T = %i', (T) => {
    let mismatches = 0;
    allCounts(T).forEach((got, i) => {
      const want = modelSections(T, [i + 1]);
      if (got.length !== want.length || got.some((t, k) => t !== want[k])) {
        mismatches++;
        expect(got, `T ${T}, count ${i + 1}`).toEqual(want);
      }
    });
    expect(mismatches).toBe(0);
  });

  it.each([1000, 4000])('matches the Python fixture digest over every count 1…T at T = %i', (T) => {
    const text = allCounts(T).map((kept, i) => `${i + 1}:${kept.join(',')}\n`).join('');
    expect(createHash('sha256').update(text).digest('hex')).toBe(reference.sha256[String(T)]);
  });

  it('keeps the indices the reference keeps where round(j·stride) would not (T = 1000)', () => {
    expect(spacedTimesteps(1000, '103')).toContain(832);
    expect(spacedTimesteps(1000, '103')).not.toContain(833);
    expect(spacedTimesteps(1000, '111')).toContain(499);
    const s115 = spacedTimesteps(1000, '115');
    expect([167, 499, 833].every((t) => s115.includes(t))).toBe(true);
    expect([166, 500, 832].some((t) => s115.includes(t))).toBe(false);
    // Every difference the fixture lists: the reference index is kept, the naive one is not.
    expect(reference.naiveDifferences1000.length).toBeGreaterThan(100);
    for (const [count, pairs] of reference.naiveDifferences1000) {
      const kept = new Set(spacedTimesteps(1000, count));
      for (const [referenceIndex, naiveIndex] of pairs) {
        expect(kept.has(referenceIndex) && !kept.has(naiveIndex), `count ${count}: ${referenceIndex} not ${naiveIndex}`).toBe(true);
      }
    }
  });

  it('matches multi-section specs (model and Python fixture)', () => {
    for (const [key, want] of Object.entries(reference.sections)) {
      const [T, spec] = key.split(':') as [string, string];
      expect(spacedTimesteps(Number(T), spec), key).toEqual(want);
      expect(modelSections(Number(T), spec.split(',').map(Number)), key).toEqual(want);
    }
    expect(Object.keys(reference.sections)).toContain('1000:250,200,100,50');
    for (const spec of ['10,15,20', '250,200,100,50', '3,1,4,1,5,9,2,6', '33,0,33', '100,100,100,100,100,100,100']) {
      const counts = spec.split(',').map(Number);
      for (const T of [700, 1000, 1001, 4000]) {
        if (Math.max(...counts) > Math.floor(T / counts.length)) continue;
        expect(spacedTimesteps(T, spec), `${T}:${spec}`).toEqual(modelSections(T, counts));
      }
    }
  });

  it('"ddimN": the smallest stride in 1…T−1, for every N, as the model and the fixture say', () => {
    for (const T of [1, 2, 10, 1000, 4000]) {
      const accepted = new Map(reference.ddim[String(T)]!);
      for (let n = 1; n <= T; n++) {
        const want = T <= 1000 ? modelDdim(T, n) : accepted.has(n) ? Array.from({ length: n }, (_, i) => i * accepted.get(n)!) : undefined;
        expect(want === undefined, `T ${T}, ddim${n}`).toBe(!accepted.has(n));
        if (want === undefined) {
          expect(() => spacedTimesteps(T, `ddim${n}`), `T ${T}, ddim${n}`).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
        } else {
          expect(spacedTimesteps(T, `ddim${n}`), `T ${T}, ddim${n}`).toEqual(want);
        }
      }
    }
    // The reference never tries stride T, so "ddim1" is refused at every T (use "1" for [0]).
    expect(() => spacedTimesteps(1000, 'ddim1')).toThrow(/"ddim1" has none: use "1"/);
    expect(spacedTimesteps(1000, '1')).toEqual([0]);
    expect(spacedTimesteps(1000, 'ddim1000')).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});

const trailingReference = JSON.parse(readFileSync(join(here, 'fixtures/trailing-reference.json'), 'utf8')) as {
  sha256: Record<string, string>;
  lists: Record<string, number[]>;
};

describe('"trailingN": exactly the timesteps numpy gives diffusers\' trailing spacing', () => {
  it.each([7, 1000, 4000])('matches the numpy fixture digest over every N 1…T at T = %i', (T) => {
    const text = Array.from({ length: T }, (_, i) => `${i + 1}:${spacedTimesteps(T, `trailing${i + 1}`).join(',')}\n`).join('');
    expect(createHash('sha256').update(text).digest('hex')).toBe(trailingReference.sha256[String(T)]);
  });

  it('matches the listed cases and keeps N distinct steps that end at T − 1', () => {
    for (const [key, want] of Object.entries(trailingReference.lists)) {
      const [T, n] = key.split(':').map(Number) as [number, number];
      expect(spacedTimesteps(T, `trailing${n}`), key).toEqual(want);
    }
    expect(spacedTimesteps(1000, 'trailing10')).toEqual([99, 199, 299, 399, 499, 599, 699, 799, 899, 999]);
    // N = 61 is one where numpy's arange returns 62 values: the residue is dropped, not kept as −1.
    const kept = spacedTimesteps(1000, 'trailing61');
    expect(kept).toHaveLength(61);
    expect(kept[0]).toBe(15);
    expect(spacedTimesteps(1000, 'trailing1000')).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('refuses N outside 1…T', () => {
    expect(() => spacedTimesteps(1000, 'trailing0')).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => spacedTimesteps(1000, 'trailing1001')).toThrow(/"trailingN" with N in 1…1000/);
  });
});

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
    expect(spacedTimesteps(1000, '115')).toEqual(spacedTimesteps(1000, 115));
    // A section of 0 steps contributes none, as in the reference.
    expect(spacedTimesteps(30, '2,0,2')).toEqual([0, 9, 20, 29]);
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
    expect(() => spacedTimesteps(10, 'fast')).toThrow(/"ddimN", "trailingN", "N" or "N1,N2,…"/);
    expect(() => spacedTimesteps(10, 11)).toThrow(/section 0 to take 0…10 steps/);
    expect(() => spacedTimesteps(10, 0)).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
    expect(() => spacedTimesteps(10, '0,0')).toThrow(/at least one timestep/);
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
