// The exact user-user dot products in a compact form (issue 11): per user a row of the users it shares a
// positive item with, both directions stored, each slot = the other user + both dot products packed in 32 bits
// (weighted in the high 16, binary in the low 16), side by side in one Uint32Array (one memory stream for the
// fold's row walk, which updates dots on the cache line it reads the user from): 8 bytes per direction, 16 per
// pair, plus row slack and holes (row-slab.ts). Rows are unsorted (new pairs are appended): the batch fold updates a row
// in one walk with a bitmap of the changed users, and neighbour selection reads whole rows, so no order is
// needed and none is paid for (sorting the changed users cost a third of the fold).
//
// Dot products are integers that only grow (IM values only grow: types are a set, deletes drop at ingest).
// For every pair the weighted dot is at least the binary one (each shared positive item adds IM_u·IM_v ≥ 1 to
// the first and 1 to the second), so a weighted dot ≥ 0xFFFF is the only overflow: the slot then holds
// ESCAPE and both exact values live in a small side table keyed by (user, other). Once escaped, always.

import { PairMap } from './pair-map.js';
import { RowSlab } from './row-slab.js';

/** Slot value of a pair whose dots are in the side table. */
export const ESCAPE = 0xffffffff;
const MAX16 = 0xffff;

/** Rows of (other user, packed dot products), with the side table of the rare large dots. */
export class PairSlab extends RowSlab {
  /**
   * Per segment, two words per slot: at 2·i the other user's dense index, at 2·i + 1 weighted dot << 16 | binary
   * dot, or ESCAPE.
   */
  readonly slots: Uint32Array[] = [];
  private readonly overflowIx = new PairMap(16);
  private overflowW: Int32Array = new Int32Array(16);
  private overflowB: Int32Array = new Int32Array(16);
  /** Number of slots (directed pairs) whose dots are in the side table. */
  overflowCount = 0;

  constructor(segmentSize = 1 << 22, growth = 1.25, maxHoleShare = 0.125) {
    super(segmentSize, growth, maxHoleShare);
    this.init();
  }

  protected createColumns(cap: number): void {
    this.slots.push(new Uint32Array(2 * cap));
  }

  protected dropColumns(seg: number): void {
    this.slots[seg] = new Uint32Array(0);
  }

  protected copySlots(fromSeg: number, fromOff: number, toSeg: number, toOff: number, n: number): void {
    if (fromSeg === toSeg) this.slots[toSeg]!.copyWithin(2 * toOff, 2 * fromOff, 2 * (fromOff + n));
    else this.slots[toSeg]!.set(this.slots[fromSeg]!.subarray(2 * fromOff, 2 * (fromOff + n)), 2 * toOff);
  }

  /** The other user of slot j of u's row. */
  otherAt(u: number, j: number): number {
    return this.slots[this.rowSeg[u]!]![2 * (this.rowOff[u]! + j)]!;
  }

  /** The packed dots of slot j of u's row. */
  packedAt(u: number, j: number): number {
    return this.slots[this.rowSeg[u]!]![2 * (this.rowOff[u]! + j) + 1]!;
  }

  /** The slot value after adding (dw, db) to the dots of (u, v) whose slot holds `packed` (0 for a new pair). */
  add(u: number, v: number, packed: number, dw: number, db: number): number {
    // Small enough to be inlined into the merge loops; the side table is out of line.
    if (packed !== ESCAPE) {
      const w = (packed >>> 16) + dw;
      if (w < MAX16) return ((w << 16) | ((packed & MAX16) + db)) >>> 0;
    }
    return this.addEscaped(u, v, packed, dw, db);
  }

  private addEscaped(u: number, v: number, packed: number, dw: number, db: number): number {
    if (packed === ESCAPE) {
      const i = this.overflowIx.get(u, v);
      this.overflowW[i]! += dw;
      this.overflowB[i]! += db;
      return ESCAPE;
    }
    const i = this.overflowCount++;
    if (i >= this.overflowW.length) {
      const grow = (a: Int32Array): Int32Array => {
        const c: Int32Array = new Int32Array(a.length * 2);
        c.set(a);
        return c;
      };
      this.overflowW = grow(this.overflowW);
      this.overflowB = grow(this.overflowB);
    }
    this.overflowW[i] = (packed >>> 16) + dw;
    this.overflowB[i] = (packed & MAX16) + db;
    this.overflowIx.set(u, v, i);
    return ESCAPE;
  }

  /** The weighted dot of (u, v) whose slot holds `packed`. */
  weighted(u: number, v: number, packed: number): number {
    return packed === ESCAPE ? this.overflowW[this.overflowIx.get(u, v)]! : packed >>> 16;
  }

  /** The binary dot of (u, v) whose slot holds `packed`. */
  binary(u: number, v: number, packed: number): number {
    return packed === ESCAPE ? this.overflowB[this.overflowIx.get(u, v)]! : packed & MAX16;
  }

  /** Position of v in u's row (0-based), or -1: a scan (rows are unsorted; hot paths never look pairs up). */
  find(u: number, v: number): number {
    if (u < 0 || u >= this.rowCount) return -1;
    const slots = this.slots[this.rowSeg[u]!]!;
    const at = 2 * this.rowOff[u]!;
    const len = this.rowLen[u]!;
    for (let j = 0; j < len; j++) if (slots[at + 2 * j] === v) return j;
    return -1;
  }

  /** Bytes of everything that stores pairs: all segments (slots, slack, holes, free tails) and the side table. */
  get bytes(): number {
    return this.capacity * 8 + this.overflowIx.bytes + this.overflowW.length * 8;
  }
}
