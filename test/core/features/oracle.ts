// Brute-force oracle of the dyad feature table (method.md §1–5): plain maps and loops over all users, no
// index structures, similarities recomputed from the IM rows with column o removed, exact BigInt compares.
import type { Dataset } from '../../../src/core/events/tables.js';
import type { FeatureOptions } from '../../../src/core/features/build-feature-table.js';
import { HASH_TAG, hash32, hashUnit } from '../../../src/core/random/hash.js';
import { isoWeekStartS, isoYearWeek } from '../../../src/core/time/iso-week.js';

type Row = Map<number, number>; // item id → IM

/** One oracle row. */
export interface OracleRow {
  userId: number;
  itemId: number;
  week: number;
  train: boolean;
  wtl: number[];
  context: number[];
  click: number;
  bookmark: number;
  reply: number;
}

interface Dyad {
  userId: number;
  itemId: number;
  types: Set<number>;
  firstS: number;
}

function imOf(types: Set<number>): number {
  let s = 0;
  for (const t of types) s += t;
  return s;
}

/** IM rows by user from a set of dyads. */
export function imRows(dyads: Dyad[]): Map<number, Row> {
  const rows = new Map<number, Row>();
  for (const d of dyads) {
    if (!rows.has(d.userId)) rows.set(d.userId, new Map());
    rows.get(d.userId)!.set(d.itemId, imOf(d.types));
  }
  return rows;
}

/** All dyads of a dataset, sorted by (user id, item id). */
export function oracleDyads(ds: Dataset): Dyad[] {
  const map = new Map<string, Dyad>();
  const touch = (u: number, o: number, t: number): Dyad => {
    const key = `${u},${o}`;
    let d = map.get(key);
    if (!d) {
      d = { userId: u, itemId: o, types: new Set(), firstS: t };
      map.set(key, d);
    }
    d.firstS = Math.min(d.firstS, t);
    return d;
  };
  const it = ds.interactions;
  for (let i = 0; i < it.length; i++) {
    if (it.types[i]! < 1 || it.types[i]! > 3) continue;
    touch(it.userIds[i]!, it.itemIds[i]!, it.createdAtS[i]!).types.add(it.types[i]!);
  }
  const im = ds.impressions;
  for (let i = 0; i < im.length; i++) {
    const yw = im.yearWeeks[i]!;
    touch(im.userIds[i]!, im.itemIds[i]!, isoWeekStartS(Math.floor(yw / 100), yw % 100));
  }
  return [...map.values()].sort((a, b) => a.userId - b.userId || a.itemId - b.itemId);
}

/** Features of one dyad (u, o) from IM rows, by brute force. */
export function oracleWtl(rows: Map<number, Row>, userId: number, itemId: number, opts: Omit<FeatureOptions, 'leakage' | 'split' | 'seed'>): number[] {
  const val = (x: number): number => (opts.similarity === 'binary' ? (x > 0 ? 1 : 0) : x);
  const rowU = rows.get(userId) ?? new Map<number, number>();
  const cands: { id: number; num: bigint; den: bigint }[] = [];
  for (const [v, rowV] of rows) {
    if (v === userId) continue;
    if (opts.neighbourhood === 'item' && !rowV.has(itemId)) continue;
    let dot = 0;
    let nu = 0;
    let nv = 0;
    for (const [x, im] of rowU) {
      if (opts.leaveOneOut && x === itemId) continue;
      nu += val(im) * val(im);
      dot += val(im) * val(rowV.get(x) ?? 0);
    }
    for (const [x, im] of rowV) {
      if (opts.leaveOneOut && x === itemId) continue;
      nv += val(im) * val(im);
    }
    if (dot <= 0 || nu === 0 || nv === 0) continue;
    // sim² = dot² / (nu·nv), kept as an exact fraction.
    cands.push({ id: v, num: BigInt(dot) * BigInt(dot), den: BigInt(nu) * BigInt(nv) });
  }
  cands.sort((p, q) => {
    const l = p.num * q.den;
    const r = q.num * p.den;
    if (l !== r) return l > r ? -1 : 1;
    return p.id - q.id;
  });
  const nbrs = cands.slice(0, opts.k);
  const win: number[] = [];
  const loss: number[] = [];
  const tie: number[] = [];
  for (const c of nbrs) {
    const rowV = rows.get(c.id)!;
    const s = rowV.get(itemId);
    if (s === undefined) {
      win.push(0);
      loss.push(0);
      tie.push(0);
      continue;
    }
    let lt = 0;
    let gt = 0;
    let eq = 0;
    for (const x of rowV.values()) {
      if (x < s) lt++;
      else if (x > s) gt++;
      else eq++;
    }
    const others = rowV.size - 1;
    win.push(others === 0 ? 0 : lt / others);
    loss.push(others === 0 ? 0 : gt / others);
    tie.push(others === 0 ? 0 : (eq - 1) / others);
  }
  const stats = (xs: number[]): number[] => {
    if (xs.length === 0) return [0, 0, 0, 0, 0];
    let sum = 0;
    for (const x of xs) sum += x;
    const mean = sum / xs.length;
    let ss = 0;
    for (const x of xs) ss += (x - mean) * (x - mean);
    const variance = ss / xs.length;
    return [mean, opts.spread === 'std' ? Math.sqrt(variance) : variance, Math.max(...xs), Math.min(...xs), xs.filter((x) => x !== 0).length / opts.k];
  };
  return [...stats(win), ...stats(loss), ...stats(tie)];
}

/** The whole feature table by brute force. */
export function oracleFeatureTable(ds: Dataset, opts: FeatureOptions): OracleRow[] {
  const dyads = oracleDyads(ds);
  const train = new Set<Dyad>();
  if (opts.split === 'random') {
    for (const d of dyads) if (hashUnit(opts.seed, HASH_TAG.randomSplit, d.userId, d.itemId) < 0.3) train.add(d);
  } else {
    const byUser = new Map<number, Dyad[]>();
    for (const d of dyads) {
      if (!byUser.has(d.userId)) byUser.set(d.userId, []);
      byUser.get(d.userId)!.push(d);
    }
    for (const list of byUser.values()) {
      // Ties in first-seen time by hash(seed, user, item), never by item id (method.md §5; src/core/split/split.ts).
      const tie = (d: Dyad, tag: number): number => hash32(opts.seed, tag, d.userId, d.itemId);
      list.sort(
        (a, b) =>
          a.firstS - b.firstS ||
          tie(a, HASH_TAG.timeSplitTie) - tie(b, HASH_TAG.timeSplitTie) ||
          tie(a, HASH_TAG.timeSplitTie2) - tie(b, HASH_TAG.timeSplitTie2) ||
          a.itemId - b.itemId,
      );
      const nTrain = Math.ceil((2 * list.length) / 3);
      for (let i = 0; i < nTrain; i++) train.add(list[i]!);
    }
  }
  const rows = imRows(opts.leakage === 'paper' ? dyads : dyads.filter((d) => train.has(d)));
  const profile = (t: Dataset['users'], id: number, width: number): number[] => {
    if (t) {
      for (let r = 0; r < t.ids.length; r++) if (t.ids[r] === id) return [...t.values.subarray(r * width, (r + 1) * width)];
    }
    return new Array<number>(width).fill(0);
  };
  return dyads.map((d) => ({
    userId: d.userId,
    itemId: d.itemId,
    week: isoYearWeek(d.firstS),
    train: train.has(d),
    wtl: oracleWtl(rows, d.userId, d.itemId, opts),
    context: [...profile(ds.users, d.userId, 9), ...profile(ds.items, d.itemId, 7)],
    click: d.types.has(1) ? 1 : 0,
    bookmark: d.types.has(2) ? 1 : 0,
    reply: d.types.has(3) ? 1 : 0,
  }));
}
