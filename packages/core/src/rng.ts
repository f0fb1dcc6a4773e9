import { errors } from './errors';

/**
 * A seeded pseudo-random generator that runs in plain JavaScript, so the same seed gives the same
 * numbers on every tfjs backend and every platform. Its whole state is four 32-bit words, which a
 * training checkpoint stores for exact resume.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna), seeded through splitmix32; normals by Box–Muller.
 */
export interface Rng {
  /** Uniform float in [0, 1) with 53 random bits. */
  uniform(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number;
  /** One standard normal deviate. */
  normal(): number;
  /** `n` standard normal deviates as float32. */
  normalArray(n: number): Float32Array;
  /** `n` uniform [0, 1) deviates as float32. */
  uniformArray(n: number): Float32Array;
  /** An independent generator derived from this one (advances this one by four 32-bit draws). */
  split(): Rng;
  /** A copy of the state: `createRng(rng.state())` continues exactly where `rng` is. */
  state(): RngState;
}

/** The four 32-bit words of xoshiro128** state. */
export type RngState = readonly [number, number, number, number];

const TWO_POW_32 = 4294967296;

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** The largest seed: seeds are the integers 0 … 2^53 − 1 (`Number.MAX_SAFE_INTEGER`), each its own stream. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** Whether `value` is a seed: an integer in 0 … 2^53 − 1. */
export function isSeed(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks a seed given by a user (a flag, a config field, an option): an integer in 0 … 2^53 − 1.
 * Anything else (negative, fractional, 2^53 and beyond, where neighbouring integers are the same
 * number) is refused with CDM_INVALID_ARGUMENT naming `name`, rather than folded onto another seed.
 */
export function checkSeed(name: string, value: unknown): number {
  if (!isSeed(value)) throw errors.invalidArgument(name, `an integer seed in 0…${MAX_SEED} (2^53 − 1)`, value);
  return value;
}

/** murmur3's finaliser: a bijection on 32-bit words with fmix32(0) = 0. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seed's low and high 32-bit words (numbers outside 0 … 2^53 − 1 are floored and folded into 64 bits). */
function seedWords(seed: number): [number, number] {
  if (Number.isInteger(seed) && seed >= 0 && seed < TWO_POW_32) return [seed, 0];
  const whole = Math.floor(seed);
  return [whole % TWO_POW_32 >>> 0, Math.floor(whole / TWO_POW_32) >>> 0];
}

/**
 * Creates a generator from an integer seed (0 … 2^53 − 1, each a stream of its own; see `checkSeed`
 * for checking one a user gave) or from a saved state.
 */
export function createRng(seed: number | RngState): Rng {
  let s0: number, s1: number, s2: number, s3: number;
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw errors.invalidArgument('seed', 'a finite number', seed);
    // The low word seeds splitmix32 (whose first output is a bijection of it); the high word is mixed
    // into the last state word through a bijection with 0 ↦ 0. So every seed in 0 … 2^53 − 1 gives its
    // own state, and seeds below 2^32 give the states they always gave.
    const [lo, hi] = seedWords(seed);
    const next = splitmix32(lo);
    [s0, s1, s2, s3] = [next(), next(), next(), next() ^ fmix32(hi)];
  } else {
    if (!Array.isArray(seed) || seed.length !== 4 || seed.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw errors.invalidArgument('rng state', 'four unsigned 32-bit integers', seed);
    }
    [s0, s1, s2, s3] = seed as RngState;
  }
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const uniform = (): number => ((nextU32() >>> 5) * 67108864 + (nextU32() >>> 6)) / 9007199254740992;
  /** Two independent normals from two uniforms. */
  const normalPair = (): [number, number] => {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    return [radius * Math.cos(angle), radius * Math.sin(angle)];
  };

  const rng: Rng = {
    uniform,
    int(n) {
      if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw errors.invalidArgument('n', 'an integer in 1…2^32', n);
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      for (;;) {
        const x = nextU32();
        if (x < limit) return x % n;
      }
    },
    normal: () => normalPair()[0],
    normalArray(n) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i += 2) {
        const [a, b] = normalPair();
        out[i] = a;
        if (i + 1 < n) out[i + 1] = b;
      }
      return out;
    },
    uniformArray(n) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = uniform();
      return out;
    },
    split: () => createRng([nextU32(), nextU32(), nextU32(), nextU32()] as const),
    state: () => [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0] as const,
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
