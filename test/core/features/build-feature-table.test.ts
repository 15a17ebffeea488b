import { describe, it, expect } from 'vitest';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS } from '../../../src/core/features/build-feature-table.js';
import { SPLIT } from '../../../src/core/features/feature-table.js';
import { ImpressionTableBuilder, InteractionTableBuilder, type Dataset } from '../../../src/core/events/tables.js';
import { randomDataset } from '../../helpers/random-dataset.js';

const WED_W34 = 1439985600; // 2015-08-19 12:00 UTC, ISO 2015-W34
const MON_W36 = 1441011600; // 2015-08-31 09:00 UTC, ISO 2015-W36
const WED_W37 = 1441756800; // 2015-09-09 00:00 UTC, ISO 2015-W37

function literal(reversed: boolean): Dataset {
  const inter: [number, number, number, number][] = [
    [2, 7, 1, WED_W34],
    [2, 7, 3, WED_W34 + 60],
    [1, 9, 2, MON_W36],
    [2, 11, 1, WED_W37],
  ];
  const impr: [number, number, number][] = [
    [1, 7, 201535],
    [2, 9, 201534],
    [1, 9, 201535],
  ];
  if (reversed) {
    inter.reverse();
    impr.reverse();
  }
  const ib = new InteractionTableBuilder();
  for (const r of inter) ib.push(...r);
  const pb = new ImpressionTableBuilder();
  for (const r of impr) pb.push(...r);
  const users = { fieldCount: 9, ids: Int32Array.of(2), values: Int32Array.of(1, 2, 3, 1, 5, 6, 7, 8, 9) };
  return { interactions: ib.finish(), impressions: pb.finish(), users, items: null, droppedDeletes: 0, badRows: 0 };
}

describe('buildFeatureTable', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_FEATURE_OPTIONS).toEqual({ k: 50, similarity: 'weighted', neighbourhood: 'item', spread: 'std', leaveOneOut: true, leakage: 'none', split: 'time', seed: 1 });
  });

  it('lists dyads by (user, item) with week, split and labels, and reports them', () => {
    const { table, report } = buildFeatureTable(literal(false), DEFAULT_FEATURE_OPTIONS);
    // (1,7) impression W35; (1,9) impression W35 then bookmark W36; (2,7) click + reply W34;
    // (2,9) impression W34 (Monday, before the click on Wednesday); (2,11) click W37.
    expect([...table.userIds]).toEqual([1, 1, 2, 2, 2]);
    expect([...table.itemIds]).toEqual([7, 9, 7, 9, 11]);
    expect([...table.weeks]).toEqual([201535, 201535, 201534, 201534, 201537]);
    // First-seen times (impressions at their week's Monday 00:00 UTC), kept in memory for the validation part.
    expect([...table.firstSeenS!]).toEqual([1440374400, 1440374400, WED_W34, 1439769600, WED_W37]);
    // User 1: 2 dyads → both train. User 2: order 9 (Mon W34), 7 (Wed W34), 11 (W37) → ⌈6/3⌉ = 2 train.
    expect([...table.split]).toEqual([SPLIT.train, SPLIT.train, SPLIT.train, SPLIT.train, SPLIT.test]);
    expect([...table.click]).toEqual([0, 0, 1, 0, 1]);
    expect([...table.bookmark]).toEqual([0, 1, 0, 0, 0]);
    expect([...table.reply]).toEqual([0, 0, 1, 0, 0]);
    expect([...table.context.subarray(2 * 16, 2 * 16 + 16)]).toEqual([1, 2, 3, 1, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0]);
    // No two users share a positive item: no neighbours anywhere, all statistics 0.
    expect([...table.wtl]).toEqual(new Array(5 * 15).fill(0));
    expect(report).toEqual({
      dyads: 5,
      trainRows: 4,
      testRows: 1,
      labels: { train: { click: 1, bookmark: 1, reply: 1 }, test: { click: 1, bookmark: 0, reply: 0 } },
      fewerThanK: 5,
      noNeighbours: 5,
      splitTiePlaced: 0,
      usersWithoutProfile: 1,
      itemsWithoutProfile: 3,
    });
  });

  it('does not depend on the order of the input rows', () => {
    const a = buildFeatureTable(literal(false), DEFAULT_FEATURE_OPTIONS);
    const b = buildFeatureTable(literal(true), DEFAULT_FEATURE_OPTIONS);
    expect(b).toEqual(a);
  });

  it('leakage none hides test dyads from the state; paper does not', () => {
    // Users 1 and 2 share item 5 in training; user 2's test dyad (2, 6) is a click that user 1 also clicked.
    const ib = new InteractionTableBuilder();
    ib.push(1, 5, 1, WED_W34);
    ib.push(2, 5, 1, WED_W34);
    ib.push(1, 6, 1, WED_W34 + 10);
    ib.push(1, 4, 1, WED_W34 + 20);
    ib.push(2, 4, 1, WED_W34 + 5);
    ib.push(2, 6, 1, MON_W36);
    const ds: Dataset = { interactions: ib.finish(), impressions: new ImpressionTableBuilder().finish(), users: null, items: null, droppedDeletes: 0, badRows: 0 };
    const opts = { ...DEFAULT_FEATURE_OPTIONS, k: 2 };
    const none = buildFeatureTable(ds, opts);
    const paper = buildFeatureTable(ds, { ...opts, leakage: 'paper' });
    // User 1: 5, 6 train, 4 test (⌈6/3⌉ = 2 by time); user 2: 4, 5 train, 6 test.
    expect([...none.table.split]).toEqual([SPLIT.test, SPLIT.train, SPLIT.train, SPLIT.train, SPLIT.train, SPLIT.test]);
    // (1, 6) train: under none, user 2 has no entry for 6 (its dyad is test) → no neighbour.
    // Under paper, user 2 has 6 with IM 1 among {1,1,1}: win 0, loss 0, tie 1 → tie_mean 1.
    const row = 2; // (1, 6)
    expect(none.table.wtl[row * 15 + 10]).toBe(0);
    expect(paper.table.wtl[row * 15 + 10]).toBe(1);
    expect(none.report.noNeighbours).toBeGreaterThan(paper.report.noNeighbours);
  });

  it('is deterministic on a random dataset and keeps every dyad', () => {
    const ds = randomDataset({ seed: 3, users: 30, items: 20, interactions: 300, impressions: 200 });
    const a = buildFeatureTable(ds, { ...DEFAULT_FEATURE_OPTIONS, k: 4 });
    expect(buildFeatureTable(ds, { ...DEFAULT_FEATURE_OPTIONS, k: 4 })).toEqual(a);
    expect(a.report.trainRows + a.report.testRows).toBe(a.table.length);
    for (let i = 1; i < a.table.length; i++) {
      const prev = [a.table.userIds[i - 1]!, a.table.itemIds[i - 1]!];
      const cur = [a.table.userIds[i]!, a.table.itemIds[i]!];
      expect(prev[0]! < cur[0]! || (prev[0] === cur[0] && prev[1]! < cur[1]!)).toBe(true);
    }
  });
});
