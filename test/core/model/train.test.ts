import { beforeAll, describe, expect, it } from 'vitest';
import { SPLIT, type FeatureTable } from '../../../src/core/features/feature-table.js';
import { MODEL_KINDS } from '../../../src/core/model/kinds.js';
import { cloneModel, createModel, growModel, initialEmbedding, type Model } from '../../../src/core/model/model.js';
import { fitScaler } from '../../../src/core/model/scaler.js';
import { trainEpochs, trainModel, type TrainResult } from '../../../src/core/model/sgd.js';
import { buildTrainingSet } from '../../../src/core/model/training-set.js';
import { scoreBookmark, scoreClick, scoreEmbedding, scoreReply } from '../../../src/core/model/score.js';
import { HASH_TAG } from '../../../src/core/random/hash.js';
import { Rng } from '../../../src/core/random/rng.js';
import { labelsAt, learnableTable, literalTable, pooledAuc, rowsOf } from './helpers.js';

function bytesOf(a: Float64Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

describe('MTL learns on a table where the labels depend on the features', () => {
  let table: FeatureTable;
  let model: Model;
  let result: TrainResult;
  let untrained: Model;
  beforeAll(() => {
    table = learnableTable(3, { users: 400, items: 600, rowsPerUser: 50 });
    model = createModel({ kind: 'mtl', seed: 11 }, fitScaler(table));
    untrained = cloneModel(model);
    // Long epochs keep the noise of an epoch's mean loss well below the 1% the warm-start check needs.
    result = trainModel(model, table, { maxEpochs: 10, iterationsPerEpoch: 60_000 });
  });

  it('the epoch loss decreases', () => {
    const first = result.epochs[0]!;
    const last = result.epochs[result.epochs.length - 1]!;
    expect(last.total).toBeLessThan(first.total * 0.97);
    expect(last.embedding!).toBeLessThan(first.embedding!);
    // The click loss drops below log 2 (its value at zero weights) within the first epoch; later epochs can
    // nudge it up while the embeddings it reads keep moving (ranking mode), so no monotonicity is asserted.
    expect(last.click!).toBeLessThan(0.6);
    // Per-task losses add up to the total.
    expect(last.click! + last.bookmark! + last.reply! + last.embedding!).toBeCloseTo(last.total, 12);
  });

  it('click AUC on the training rows is clearly above 0.5, on test rows too', () => {
    const train = rowsOf(table, SPLIT.train);
    const test = rowsOf(table, SPLIT.test);
    expect(pooledAuc(scoreClick(model, table, train), labelsAt(table.click, train))).toBeGreaterThan(0.65);
    expect(pooledAuc(scoreClick(model, table, test), labelsAt(table.click, test))).toBeGreaterThan(0.65);
    expect(pooledAuc(scoreBookmark(model, table, test), labelsAt(table.bookmark, test))).toBeGreaterThan(0.65);
    expect(pooledAuc(scoreReply(model, table, test), labelsAt(table.reply, test))).toBeGreaterThan(0.65);
    expect(pooledAuc(scoreEmbedding(model, table, train), labelsAt(table.click, train))).toBeGreaterThan(0.6);
  });

  it('iterations per epoch default to the click-positive training dyads of users with a negative', () => {
    const r = trainModel(cloneModel(untrained), table, { maxEpochs: 1 });
    let expected = 0;
    const byUser = new Map<number, { pos: number; neg: number }>();
    for (let r = 0; r < table.length; r++) {
      if (table.split[r] !== SPLIT.train) continue;
      const e = byUser.get(table.userIds[r]!) ?? { pos: 0, neg: 0 };
      if (table.click[r] === 1) e.pos++;
      else e.neg++;
      byUser.set(table.userIds[r]!, e);
    }
    for (const e of byUser.values()) if (e.neg > 0) expected += e.pos;
    expect(r.iterationsPerEpoch).toBe(expected);
    expect(r.epochs[0]!.iterations).toBe(expected);
  });

  it('warm start on the same data resumes within 1% of the last epoch loss, not at the untrained loss', () => {
    const last = model.history[model.history.length - 1]!.total;
    const warm = cloneModel(model);
    const resumed = trainEpochs(warm, table, { maxEpochs: 1, iterationsPerEpoch: 60_000 }, Rng.fromSeed(99)).epochs[0]!.total;
    const cold = trainEpochs(cloneModel(untrained), table, { maxEpochs: 1, iterationsPerEpoch: 60_000 }, Rng.fromSeed(99)).epochs[0]!.total;
    expect(Math.abs(resumed - last) / last).toBeLessThan(0.01);
    expect(Math.abs(cold - last) / last).toBeGreaterThan(0.03);
    expect(warm.history.length).toBe(model.history.length + 1);
    expect(warm.history[warm.history.length - 1]!.epoch).toBe(model.history.length + 1);
  });

  it('scoring reads never mutate the model', () => {
    const before = cloneModel(model);
    const other = learnableTable(4, { users: 20, items: 700, rowsPerUser: 10 }); // unseen users and items
    scoreClick(model, other);
    scoreEmbedding(model, other);
    expect(model.users.size).toBe(before.users.size);
    expect(model.items.size).toBe(before.items.size);
    expect(bytesOf(model.weights)).toEqual(bytesOf(before.weights));
    expect(bytesOf(model.itemEmbeddings)).toEqual(bytesOf(before.itemEmbeddings));
  });
});

describe('determinism', () => {
  const table = learnableTable(5, { users: 60, items: 150, rowsPerUser: 30 });
  for (const precision of ['float64', 'float32'] as const) {
    for (const kind of MODEL_KINDS) {
      it(`${kind} (${precision}): the same seed gives the same parameters bit for bit`, () => {
        const run = (): Model => {
          const m = createModel({ kind, precision, seed: 8, embeddingGradient: 'shared' }, fitScaler(table));
          trainModel(m, table, { maxEpochs: 3 });
          return m;
        };
        const a = run();
        const b = run();
        expect(bytesOf(a.weights)).toEqual(bytesOf(b.weights));
        expect(bytesOf(a.userEmbeddings)).toEqual(bytesOf(b.userEmbeddings));
        expect(bytesOf(a.itemEmbeddings)).toEqual(bytesOf(b.itemEmbeddings));
        expect(a.history).toEqual(b.history);
        const c = createModel({ kind, precision, seed: 9, embeddingGradient: 'shared' }, fitScaler(table));
        trainModel(c, table, { maxEpochs: 3 });
        expect(c.history[0]!.total).not.toBe(a.history[0]!.total);
      });
    }
  }

  it('row order of the table does not change training', () => {
    // Reverse the rows: same dyads, different order.
    const n = table.length;
    const rev = (a: Int32Array | Uint8Array | Float64Array, w: number): typeof a => {
      const out = a.slice();
      for (let r = 0; r < n; r++) for (let j = 0; j < w; j++) out[r * w + j] = a[(n - 1 - r) * w + j]!;
      return out;
    };
    const reversed: FeatureTable = {
      length: n,
      userIds: rev(table.userIds, 1) as Int32Array,
      itemIds: rev(table.itemIds, 1) as Int32Array,
      weeks: rev(table.weeks, 1) as Int32Array,
      split: rev(table.split, 1) as Uint8Array,
      wtl: rev(table.wtl, 15) as Float64Array,
      context: rev(table.context, 16) as Int32Array,
      click: rev(table.click, 1) as Uint8Array,
      bookmark: rev(table.bookmark, 1) as Uint8Array,
      reply: rev(table.reply, 1) as Uint8Array,
    };
    const a = createModel({ kind: 'mtl', seed: 8 }, fitScaler(table));
    const b = createModel({ kind: 'mtl', seed: 8 }, fitScaler(table));
    trainModel(a, table, { maxEpochs: 2 });
    trainModel(b, reversed, { maxEpochs: 2 });
    expect(bytesOf(a.weights)).toEqual(bytesOf(b.weights));
    expect(Array.from(scoreEmbedding(a, table))).toEqual(Array.from(scoreEmbedding(b, table)));
  });
});

describe('growModel (warm start)', () => {
  it('keeps known users and items bit for bit and gives new ones their hash-seeded embedding', () => {
    const table = learnableTable(6, { users: 30, items: 80, rowsPerUser: 20 });
    const model = createModel({ kind: 'mtl', seed: 21, precision: 'float32' }, fitScaler(table));
    trainModel(model, table, { maxEpochs: 2 });
    const dim = model.options.dim;
    const rowOf = (m: Model, which: 'user' | 'item', id: number): number[] => {
      const ix = (which === 'user' ? m.users : m.items).indexOf(id);
      return Array.from((which === 'user' ? m.userEmbeddings : m.itemEmbeddings).subarray(ix * dim, (ix + 1) * dim));
    };
    const before = cloneModel(model);
    const knownUsers = Array.from(before.users.ids());
    const knownItems = Array.from(before.items.ids());
    // New ids below, between and above the known ones, with repeats and known ids mixed in.
    const newUsers = [1, 5000, 1003, 999999, 5000];
    const newItems = [7, 50001, 888888];
    const added = growModel(model, [...newUsers, knownUsers[0]!], [...newItems, knownItems[3]!]);
    expect(added).toEqual({ users: 4, items: 3 });
    for (const id of knownUsers) expect(rowOf(model, 'user', id)).toEqual(rowOf(before, 'user', id));
    for (const id of knownItems) expect(rowOf(model, 'item', id)).toEqual(rowOf(before, 'item', id));
    expect(bytesOf(model.weights)).toEqual(bytesOf(before.weights));
    // A new id's embedding depends only on (seed, id): the same whatever else is grown and in which order.
    const other = cloneModel(before);
    growModel(other, [999999], [888888]);
    expect(rowOf(other, 'user', 999999)).toEqual(rowOf(model, 'user', 999999));
    expect(rowOf(other, 'item', 888888)).toEqual(rowOf(model, 'item', 888888));
    const expected = new Float32Array(dim);
    initialEmbedding(21, HASH_TAG.itemEmbedding, 888888, dim, model.options.initScale, expected, 0);
    expect(rowOf(model, 'item', 888888)).toEqual(Array.from(expected));
  });

  it('a cold-start user scores with the embedding it would be grown with', () => {
    const table = learnableTable(6, { users: 30, items: 80, rowsPerUser: 20 });
    const model = createModel({ kind: 'stl-embedding', seed: 21 }, fitScaler(table));
    trainModel(model, table, { maxEpochs: 1 });
    const probe = literalTable([{ user: 424242, item: table.itemIds[0]!, click: 1 }]);
    const cold = scoreEmbedding(model, probe)[0]!;
    expect(model.users.indexOf(424242)).toBe(-1);
    growModel(model, [424242], []);
    expect(scoreEmbedding(model, probe)[0]).toBe(cold);
  });
});

describe('training set and edge cases', () => {
  it('samples only users with both a click-positive and a click-negative training dyad', () => {
    const table = literalTable([
      { user: 3, item: 1, click: 1 },
      { user: 3, item: 2, click: 1 }, // user 3: positives only
      { user: 5, item: 1, click: 0 },
      { user: 5, item: 4, click: 1 },
      { user: 5, item: 6, click: 0, split: 'test' },
      { user: 9, item: 2, click: 1, split: 'test' },
      { user: 9, item: 4, click: 0 }, // user 9: its positive is a test row
    ]);
    const model = createModel({ kind: 'stl-click' }, fitScaler(table));
    const set = buildTrainingSet(model, table, Uint8Array.from([1, 1, 1, 1, 0, 0, 1]));
    expect(Array.from(set.userIds)).toEqual([5]);
    expect(Array.from(set.start)).toEqual([0, 2]);
    expect(Array.from(set.posEnd)).toEqual([1]);
    expect(set.positives).toBe(1);
    expect(set.packedRowOf[3]).toBe(0); // the positive first
    expect(set.packedRowOf[2]).toBe(1);
  });

  it('no eligible user: no epoch, stoppedBy noTriplets', () => {
    const table = literalTable([
      { user: 3, item: 1, click: 1 },
      { user: 4, item: 1, click: 0 },
    ]);
    const model = createModel({ kind: 'mtl' }, fitScaler(table));
    const r = trainModel(model, table);
    expect(r.stoppedBy).toBe('noTriplets');
    expect(r.epochs).toEqual([]);
  });

  it('refuses a table with two rows for one dyad', () => {
    const table = literalTable([
      { user: 3, item: 1, click: 1 },
      { user: 3, item: 1, click: 0 },
    ]);
    expect(() => trainModel(createModel({ kind: 'mtl' }, fitScaler(table)), table)).toThrow(/two rows for dyad \(user 3, item 1\)/);
  });

  it('stops by ε when the epoch loss stops moving', () => {
    const table = learnableTable(8, { users: 40, items: 100, rowsPerUser: 20 });
    const model = createModel({ kind: 'stl-click', seed: 2 }, fitScaler(table));
    const r = trainModel(model, table, { epsilon: 1e9, maxEpochs: 50 });
    expect(r.stoppedBy).toBe('epsilon');
    expect(r.epochs.length).toBe(2);
  });
});
