// Open-addressing hash map from a pair of non-negative Int32 keys to an Int32 value, on one typed array.
// Linear probing (Knuth, TAOCP vol. 3 §6.4) at load ≤ 1/2; no deletion (the state only grows). Each slot
// holds (a, b, value) side by side, so a probe touches one cache line.

import { fmix32 } from '../random/hash.js';

const EMPTY = -1;
const STRIDE = 3;

function hashPair(a: number, b: number): number {
  // The pair's words combined, then MurmurHash3's finaliser for the avalanche.
  return fmix32(Math.imul(a, 0x9e3779b1) ^ b);
}

/** (a, b) → value, both keys non-negative Int32; `get` answers -1 for an absent pair. */
export class PairMap {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * STRIDE).fill(EMPTY);
    this.mask = cap - 1;
  }

  /** Number of pairs stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes of the slot array. */
  get bytes(): number {
    return this.slots.length * 4;
  }

  /** The value of (a, b), or -1 when absent. */
  get(a: number, b: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let slot = hashPair(a, b) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const ka = slots[at]!;
      if (ka === EMPTY) return -1;
      if (ka === a && slots[at + 1] === b) return slots[at + 2]!;
      slot = (slot + 1) & mask;
    }
  }

  /** Sets (a, b) → value (inserting or overwriting). */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
    const slots = this.slots;
    const mask = this.mask;
    let slot = hashPair(a, b) & mask;
    for (;;) {
      const at = slot * STRIDE;
      const ka = slots[at]!;
      if (ka === EMPTY) {
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = value;
        this.count++;
        return;
      }
      if (ka === a && slots[at + 1] === b) {
        slots[at + 2] = value;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private rehash(cap: number): void {
    const old = this.slots;
    this.slots = new Int32Array(cap * STRIDE).fill(EMPTY);
    this.mask = cap - 1;
    this.count = 0;
    for (let at = 0; at < old.length; at += STRIDE) {
      if (old[at] !== EMPTY) this.set(old[at]!, old[at + 1]!, old[at + 2]!);
    }
  }
}
