import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ESCAPE, PairSlab } from '../../../src/core/matrix/pair-slab.js';
import { EntrySlab } from '../../../src/core/matrix/row-slab.js';
import { foldEvents, ImplicitState } from '../../../src/core/matrix/implicit-state.js';
import { ImpressionTableBuilder, InteractionTableBuilder } from '../../../src/core/events/tables.js';
import { NeighbourSelector } from '../../../src/core/neighbours/selector.js';
import { canonicalState } from './canonical-state.js';

const T = 1440000000;

describe('PairSlab packed dots', () => {
  it('packs weighted << 16 | binary and escapes to the side table from a weighted dot of 0xFFFF on', () => {
    const p = new PairSlab();
    let a = p.add(0, 1, 0, 5, 1);
    expect(a).toBe((5 << 16) | 1);
    a = p.add(0, 1, a, 65529, 2); // 65534: the largest packed value
    expect([a, p.weighted(0, 1, a), p.binary(0, 1, a), p.overflowCount]).toEqual([(65534 * 65536 + 3) >>> 0, 65534, 3, 0]);
    a = p.add(0, 1, a, 1, 1); // 65535: escaped
    expect([a, p.weighted(0, 1, a), p.binary(0, 1, a), p.overflowCount]).toEqual([ESCAPE, 65535, 4, 1]);
    a = p.add(0, 1, a, 100000, 7); // stays escaped, exact past 16 bits
    expect([a, p.weighted(0, 1, a), p.binary(0, 1, a)]).toEqual([ESCAPE, 165535, 11]);
    // The other direction and other pairs are their own: a new pair may start escaped.
    const b = p.add(1, 0, 0, 70000, 2);
    const c = p.add(2, 3, 0, 9, 3);
    expect([b, p.weighted(1, 0, b), p.binary(1, 0, b), p.weighted(0, 1, a), c, p.overflowCount]).toEqual([ESCAPE, 70000, 2, 165535, (9 << 16) | 3, 2]);
  });

  it('a state whose users share 1821 items at IM 6 stores dot 65556 exactly, folded either way, and selects with it', () => {
    // 36 · 1821 = 65556 ≥ 0xFFFF: the pair (1, 2) escapes; user 3 shares one item with each.
    const ib = new InteractionTableBuilder();
    for (let o = 0; o < 1821; o++) for (const u of [1, 2]) for (const type of [1, 2, 3]) ib.push(u, o, type, T + o);
    ib.push(3, 0, 3, T);
    ib.push(3, 5000, 1, T);
    ib.push(1, 5000, 1, T);
    const interactions = ib.finish();
    const impressions = new ImpressionTableBuilder(1).finish();
    const batch = foldEvents(ImplicitState.empty({ slabSegmentSize: 64 }), interactions, impressions);
    const oneByOne = ImplicitState.empty();
    for (let i = 0; i < interactions.length; i++) oneByOne.applyInteraction(interactions.userIds[i]!, interactions.itemIds[i]!, interactions.types[i]!, interactions.createdAtS[i]!);
    for (const s of [batch, oneByOne, ImplicitState.fromCheckpoint(batch.toCheckpoint())]) {
      const [u1, u2, u3] = [1, 2, 3].map((id) => s.users.indexOf(id)) as [number, number, number];
      expect([s.dotW(u1, u2), s.dotB(u1, u2), s.dotW(u2, u1), s.dotB(u2, u1)]).toEqual([65556, 1821, 65556, 1821]);
      expect([s.dotW(u1, u3), s.dotB(u1, u3), s.dotW(u3, u2)]).toEqual([19, 2, 18]);
      expect(s.pairs.overflowCount).toBe(2);
      // User 1's most similar user for item 0 is 2 (cosine ~1), found through the escaped dot.
      const sel = new NeighbourSelector(s, { k: 2, similarity: 'weighted', neighbourhood: 'item', leaveOneOut: false });
      const m = sel.select(u1, s.items.indexOf(0));
      expect([...sel.nbrUserIx.subarray(0, m)].map((v) => s.users.idAt(v))).toEqual([2, 3]);
    }
    expect(canonicalState(batch)).toEqual(canonicalState(oneByOne));
  });
});

describe('row slabs', () => {
  it('grow rows in place at the top of a segment, move them otherwise, and give dedicated segments back', () => {
    const s = new EntrySlab(8, 1.25, 0.125);
    s.ensureRows(3);
    const put = (r: number, values: number[]): void => {
      s.reserve(r, values.length);
      const item = s.item[s.rowSeg[r]!]!;
      values.forEach((v, j) => (item[s.rowOff[r]! + j] = v));
      s.setLength(r, values.length);
    };
    const read = (r: number): number[] => [...s.item[s.rowSeg[r]!]!.subarray(s.rowOff[r]!, s.rowOff[r]! + s.rowLen[r]!)];
    put(0, [10]);
    expect([s.rowSeg[0], s.rowOff[0], s.rowCap[0]]).toEqual([0, 0, 2]);
    put(0, [10, 11, 12]); // last allocation of segment 0: grows in place to 4
    expect([s.rowSeg[0], s.rowOff[0], s.rowCap[0], s.holes]).toEqual([0, 0, 4, 0]);
    put(1, [20, 21]);
    put(0, [10, 11, 12, 13, 14]); // 7 > half a segment: a segment of its own; its old 4 slots are a hole
    expect([s.rowSeg[0], s.rowCap[0], s.holes, read(0), read(1)]).toEqual([1, 7, 4, [10, 11, 12, 13, 14], [20, 21]]);
    put(0, [10, 11, 12, 13, 14, 15, 16, 17]); // moves again: its dedicated segment is freed
    expect([s.rowSeg[0], s.rowCap[0], read(0)]).toEqual([2, 10, [10, 11, 12, 13, 14, 15, 16, 17]]);
    expect(s.capacity).toBe(8 + 10);
    // Compaction slides row 1 down over the hole, keeping its slots.
    s.compactSegment(0);
    expect([s.rowSeg[1], s.rowOff[1], s.holes, read(1), s.used]).toEqual([0, 0, 0, [20, 21], 10]);
  });

  it('keep every row intact through random growth, moves and compactions (tiny segments)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 12 }), fc.boolean()), { maxLength: 300, size: 'max' }),
        (segmentSize, ops) => {
          const s = new EntrySlab(segmentSize, 1.25, 0.125);
          s.ensureRows(10);
          const model: number[][] = Array.from({ length: 10 }, () => []);
          let next = 1;
          for (const [r, grow, compact] of ops) {
            const values = [...model[r]!, ...Array.from({ length: grow }, () => next++)];
            s.reserve(r, values.length);
            const item = s.item[s.rowSeg[r]!]!;
            const entry = s.entry[s.rowSeg[r]!]!;
            values.forEach((v, j) => {
              item[s.rowOff[r]! + j] = v;
              entry[s.rowOff[r]! + j] = -v;
            });
            s.setLength(r, values.length);
            model[r] = values;
            if (compact && s.needsCompaction()) s.compactSome(1e9);
            // Plain loops: one assertion per step keeps 200 runs fast.
            let broken = s.holes < 0 ? 'holes' : '';
            for (let q = 0; q < 10 && !broken; q++) {
              const off = s.rowOff[q]!;
              const m = model[q]!;
              if (s.rowLen[q] !== m.length || m.length > s.rowCap[q]!) broken = `row ${q} length`;
              const item = s.item[s.rowSeg[q]!]!;
              const entry = s.entry[s.rowSeg[q]!]!;
              for (let j = 0; j < m.length && !broken; j++) if (item[off + j] !== m[j] || entry[off + j] !== -m[j]!) broken = `row ${q} slot ${j}`;
            }
            expect(broken).toBe('');
          }
          expect(s.used).toBe(model.reduce((n, m) => n + m.length, 0));
          // Rows never overlap: every used slot belongs to one row.
          const owner = new Set<string>();
          let overlaps = 0;
          for (let q = 0; q < 10; q++) {
            for (let j = 0; j < s.rowCap[q]!; j++) {
              const key = `${s.rowSeg[q]},${s.rowOff[q]! + j}`;
              if (owner.has(key)) overlaps++;
              owner.add(key);
            }
          }
          expect(overlaps).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
