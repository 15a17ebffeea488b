// Open-addressing hash map from a pair of non-negative Int32 keys to an Int32 value, on typed arrays.
// Linear probing (Knuth, TAOCP vol. 3 §6.4) at load ≤ 1/2; no deletion (the state only grows).

const EMPTY = -1;

function hashPair(a: number, b: number): number {
  // Two rounds of multiply-xorshift (MurmurHash3 fmix32 constants) over the combined words.
  let h = Math.imul(a, 0x9e3779b1) ^ b;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** (a, b) → value, both keys non-negative Int32; `get` answers -1 for an absent pair. */
export class PairMap {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keysA = new Int32Array(cap).fill(EMPTY);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Number of pairs stored. */
  get size(): number {
    return this.count;
  }

  /** The value of (a, b), or -1 when absent. */
  get(a: number, b: number): number {
    const keysA = this.keysA;
    const keysB = this.keysB;
    const mask = this.mask;
    let slot = hashPair(a, b) & mask;
    for (;;) {
      const ka = keysA[slot]!;
      if (ka === EMPTY) return -1;
      if (ka === a && keysB[slot] === b) return this.values[slot]!;
      slot = (slot + 1) & mask;
    }
  }

  /** Sets (a, b) → value (inserting or overwriting). */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.keysA.length) this.rehash(this.keysA.length * 2);
    const keysA = this.keysA;
    const keysB = this.keysB;
    const mask = this.mask;
    let slot = hashPair(a, b) & mask;
    for (;;) {
      const ka = keysA[slot]!;
      if (ka === EMPTY) {
        keysA[slot] = a;
        keysB[slot] = b;
        this.values[slot] = value;
        this.count++;
        return;
      }
      if (ka === a && keysB[slot] === b) {
        this.values[slot] = value;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private rehash(cap: number): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldV = this.values;
    this.keysA = new Int32Array(cap).fill(EMPTY);
    this.keysB = new Int32Array(cap);
    this.values = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldA.length; i++) {
      if (oldA[i] !== EMPTY) this.set(oldA[i]!, oldB[i]!, oldV[i]!);
    }
  }
}
