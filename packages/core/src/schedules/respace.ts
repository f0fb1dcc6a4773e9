import { errors } from '../errors';
import { scheduleFromBetas, type NoiseSchedule } from './noise-schedule';

/**
 * Which of a schedule's timesteps to keep, exactly as guided-diffusion's `space_timesteps` keeps
 * them (improved-diffusion's is the same):
 * - `"ddimN"`: the steps 0, k, 2k, … < T for the smallest integer stride k in 1…T−1 that gives
 *   exactly N of them; an error when none does (so `"ddim1"` is refused, as there: use `"1"`);
 * - `"N"` or `"N1,N2,…"`: split the process into equal sections (the first T mod n one step
 *   longer) and take N_i steps from section i, both ends included (so `"250"` keeps 250 of 1000);
 *   a section of 0 steps contributes none;
 * - a number N: the same as `"N"`;
 * - `"trailingN"`: N steps that end at the last timestep and leave out the first, T − 1, T − 1 − T/N, …
 *   (diffusers' "trailing" spacing, `round(arange(T, 0, −T/N)) − 1`; Lin et al. 2024): the
 *   run starts from pure noise and its last step goes straight to x_0, where "N" and "ddimN" spend a
 *   model call at timestep 0. Made for DPM-Solver++;
 * - an explicit list of indices.
 */
export type TimestepSpacing = number | string | readonly number[];

/** Python's round() of a float: to the nearest integer, halves to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor; // exact for the magnitudes used here
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The reference's sections: within a section of `size` steps taking `count`, the stride is the
 * float (size − 1)/(count − 1) (1 for a single step), and the kept offsets are round(p) for a
 * running float p that starts at 0 and has the stride ADDED at each step, not round(j·stride).
 * The two differ wherever the accumulated rounding error pushes p across (or onto) a half, e.g.
 * T = 1000, "103": the reference keeps 832 where round(j·stride) gives 833. JS numbers are IEEE
 * doubles like Python floats, so the same additions give the same bits.
 */
function evenSections(T: number, counts: readonly number[], spec: string): number[] {
  const sizePer = Math.floor(T / counts.length);
  const extra = T % counts.length;
  const kept: number[] = [];
  let start = 0;
  counts.forEach((count, i) => {
    const size = sizePer + (i < extra ? 1 : 0);
    if (!Number.isSafeInteger(count) || count < 0 || count > size) {
      throw errors.invalidArgument('timestep spacing', `section ${i} to take 0…${size} steps`, spec);
    }
    const stride = count <= 1 ? 1 : (size - 1) / (count - 1);
    let position = 0;
    for (let j = 0; j < count; j++) {
      kept.push(start + roundHalfEven(position));
      position += stride;
    }
    start += size;
  });
  return kept;
}

/**
 * "ddimN": the smallest stride k in 1…T−1 (the reference's `range(1, T)`, so never T itself)
 * with len(range(0, T, k)) = ⌈T/k⌉ = N.
 */
function ddimSteps(T: number, wanted: number, spec: string): number[] {
  for (let k = 1; k < T; k++) {
    const count = Math.floor((T - 1) / k) + 1;
    if (count === wanted) return Array.from({ length: wanted }, (_, i) => i * k);
    if (count < wanted) break; // counts only fall as k grows
  }
  throw errors.invalidArgument(
    'timestep spacing',
    `a DDIM step count that an integer stride 1…${T - 1} of ${T} steps gives exactly (as guided-diffusion, "ddim1" has none: use "1")`,
    spec,
  );
}

/**
 * "trailingN": numpy's `arange(T, 0, −T/N)`, then rounded half to even like np.round, minus one.
 * numpy fills an arange as start + i·δ with δ = (start + step) − start, not start + i·step; the
 * two differ in the last bit often enough to move a rounded timestep, so this does the same. Its
 * length can come out N + 1 (a residue near 0, which would be timestep −1); the first N are kept.
 * For N ≤ T consecutive values are at least 1 apart, so all N are distinct.
 */
function trailingSteps(T: number, wanted: number, spec: string): number[] {
  if (!Number.isSafeInteger(wanted) || wanted < 1 || wanted > T) throw errors.invalidArgument('timestep spacing', `"trailingN" with N in 1…${T}`, spec);
  const delta = T + -T / wanted - T;
  return Array.from({ length: wanted }, (_, i) => roundHalfEven(T + i * delta) - 1);
}

/** Resolves a spacing to the sorted, distinct process indices it keeps. */
export function spacedTimesteps(numTimesteps: number, spacing: TimestepSpacing): number[] {
  let kept: number[];
  if (typeof spacing === 'number') {
    kept = evenSections(numTimesteps, [spacing], String(spacing));
  } else if (typeof spacing === 'string') {
    const ddim = /^ddim(\d+)$/.exec(spacing.trim());
    if (ddim !== null) {
      kept = ddimSteps(numTimesteps, Number(ddim[1]), spacing);
    } else if (/^trailing\d+$/.test(spacing.trim())) {
      kept = trailingSteps(numTimesteps, Number(spacing.trim().slice('trailing'.length)), spacing);
    } else if (/^\s*\d+(\s*,\s*\d+)*\s*$/.test(spacing)) {
      kept = evenSections(numTimesteps, spacing.split(',').map(Number), spacing);
    } else {
      throw errors.invalidArgument('timestep spacing', '"ddimN", "trailingN", "N" or "N1,N2,…"', spacing);
    }
  } else if (Array.isArray(spacing)) {
    kept = [...spacing];
    for (const t of kept) {
      if (!Number.isInteger(t) || t < 0 || t >= numTimesteps) throw errors.timestepOutOfRange('timestep spacing entry', t, numTimesteps);
    }
  } else {
    throw errors.invalidArgument('timestep spacing', 'a number, a string or a list of indices', spacing);
  }
  const sorted = [...new Set(kept)].sort((a, b) => a - b);
  if (sorted.length === 0) throw errors.invalidArgument('timestep spacing', 'at least one timestep', spacing);
  return sorted;
}

/**
 * A schedule over a subset of another's timesteps, with betas rescaled so that ᾱ at every kept
 * index is exactly the original's: β'_k = 1 − ᾱ[i_k] / ᾱ[i_{k−1}] (improved DDPM §4).
 * Where two kept indices are adjacent, the original β is kept as it is, so keeping every step
 * reproduces the original schedule bit for bit.
 */
export function respaceSchedule(schedule: NoiseSchedule, spacing: TimestepSpacing): NoiseSchedule {
  const kept = spacedTimesteps(schedule.numTimesteps, spacing);
  const { betas, alphasCumprod } = schedule;
  const newBetas = new Float64Array(kept.length);
  let previous = -1;
  kept.forEach((index, k) => {
    const previousAlphaCumprod = previous < 0 ? 1 : alphasCumprod[previous]!;
    newBetas[k] = index === previous + 1 ? betas[index]! : 1 - alphasCumprod[index]! / previousAlphaCumprod;
    previous = index;
  });
  const map = Int32Array.from(kept, (index) => schedule.timestepMap[index]!);
  const name = kept.length === schedule.numTimesteps ? schedule.name : `${schedule.name}[${kept.length} of ${schedule.numTimesteps}]`;
  const respaced = scheduleFromBetas(name, newBetas, map);
  // Keep ᾱ exactly the original's values rather than a re-multiplied product.
  respaced.alphasCumprod.set(kept.map((index) => alphasCumprod[index]!));
  return respaced;
}
