/**
 * Hashes integers into one 32-bit seed (murmur3-style), e.g. (dataset seed, example index). Each
 * value enters as its low 32-bit word, followed by its high word when that is not 0, so values up to
 * 2^53 − 1 (and negative ones) do not fold onto smaller ones, while values in 0 … 2^32 − 1 hash as
 * they always have.
 */
export function mixSeeds(...values: readonly number[]): number {
  let h = 0x811c9dc5;
  const absorb = (word: number) => {
    let k = Math.imul(word, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  };
  for (const value of values) {
    const whole = Math.floor(value);
    absorb(whole % 4294967296 >>> 0);
    const high = Math.floor(whole / 4294967296) >>> 0;
    if (high !== 0) absorb(high ^ 0x6a09e667); // the high word, tagged
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
