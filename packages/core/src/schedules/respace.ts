import { errors } from '../errors';
import { scheduleFromBetas, type NoiseSchedule } from './noise-schedule';

/**
 * Which of a schedule's timesteps to keep:
 * - `"ddimN"`: N evenly strided steps 0, k, 2k, … (the stride k must give exactly N);
 * - `"N"` or `"N1,N2,…"`: split the process into equal sections and take N_i evenly spaced steps
 *   from section i (so `"250"` keeps 250 of 1000, including both ends);
 * - a number N: the same as `"N"`;
 * - an explicit list of indices.
 */
export type TimestepSpacing = number | string | readonly number[];

/** Rounds halves to the even neighbour, as Python's round() does, so indices match the reference. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function evenSections(T: number, counts: readonly number[], spec: string): number[] {
  const sizePer = Math.floor(T / counts.length);
  const extra = T % counts.length;
  const kept: number[] = [];
  let start = 0;
  counts.forEach((count, i) => {
    const size = sizePer + (i < extra ? 1 : 0);
    if (!Number.isInteger(count) || count < 1 || count > size) {
      throw errors.invalidArgument('timestep spacing', `section ${i} to take 1…${size} steps`, spec);
    }
    const stride = count <= 1 ? 1 : (size - 1) / (count - 1);
    for (let j = 0; j < count; j++) kept.push(start + roundHalfEven(j * stride));
    start += size;
  });
  return kept;
}

/** Resolves a spacing to the sorted, distinct process indices it keeps. */
export function spacedTimesteps(numTimesteps: number, spacing: TimestepSpacing): number[] {
  let kept: number[];
  if (typeof spacing === 'number') {
    kept = evenSections(numTimesteps, [spacing], String(spacing));
  } else if (typeof spacing === 'string') {
    const ddim = /^ddim(\d+)$/.exec(spacing.trim());
    if (ddim !== null) {
      const wanted = Number(ddim[1]);
      const stride = Array.from({ length: numTimesteps }, (_, i) => i + 1).find(
        (k) => Math.ceil(numTimesteps / k) === wanted,
      );
      if (stride === undefined) {
        throw errors.invalidArgument('timestep spacing', `a DDIM step count that an integer stride of ${numTimesteps} gives exactly`, spacing);
      }
      kept = Array.from({ length: wanted }, (_, i) => i * stride);
    } else if (/^\s*\d+(\s*,\s*\d+)*\s*$/.test(spacing)) {
      kept = evenSections(numTimesteps, spacing.split(',').map(Number), spacing);
    } else {
      throw errors.invalidArgument('timestep spacing', '"ddimN", "N" or "N1,N2,…"', spacing);
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
