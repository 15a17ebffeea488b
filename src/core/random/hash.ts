// Stable 32-bit hashing of (seed, external id). MurmurHash3's fmix32 finaliser (Appleby, public domain
// algorithm) mixes each word; the combination is order-sensitive so (seed, a, b) != (seed, b, a).

/** MurmurHash3 fmix32 finaliser: a bijective avalanche on a 32-bit word. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Stable unsigned 32-bit hash of a seed and any number of 32-bit integer words (external ids, tags). */
export function hash32(seed: number, ...words: number[]): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  for (const w of words) {
    h = fmix32((Math.imul(h ^ (w | 0), 0x27d4eb2d) + 0x165667b1) >>> 0);
  }
  return h;
}

/** Stable hash of (seed, words) mapped to a uniform float in [0, 1). */
export function hashUnit(seed: number, ...words: number[]): number {
  return hash32(seed, ...words) / 4294967296;
}

/** Tags that keep hash streams of different purposes apart (user embedding vs item embedding, ...). */
export const HASH_TAG = {
  userEmbedding: 1,
  itemEmbedding: 2,
  randomSplit: 3,
  synthUser: 4,
  synthItem: 5,
  /** Order of dyads that tie on first-seen time in the time split and the validation part. */
  timeSplitTie: 6,
  /** Second word of that order, for the rare equal first words. */
  timeSplitTie2: 7,
} as const;
