/** Hashes integers into one 32-bit seed (murmur3-style finaliser), e.g. (dataset seed, example index). */
export function mixSeeds(...values: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const value of values) {
    let k = (Math.floor(value) ^ Math.floor(value / 4294967296)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
