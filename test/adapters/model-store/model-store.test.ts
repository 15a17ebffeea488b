import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintTable } from '../../../src/adapters/model-store/fingerprint.js';
import { MODEL_FORMAT_VERSION, loadModel, saveModel, type ModelManifest } from '../../../src/adapters/model-store/model-store.js';
import type { FeatureTable } from '../../../src/core/features/feature-table.js';
import { MODEL_KINDS, modelKind } from '../../../src/core/model/kinds.js';
import { weightLayout } from '../../../src/core/model/layout.js';
import { cloneModel, createModel, growModel, type Model } from '../../../src/core/model/model.js';
import { fitScaler } from '../../../src/core/model/scaler.js';
import { trainEpochs, trainModel } from '../../../src/core/model/sgd.js';
import { scoreBookmark, scoreClick, scoreEmbedding, scoreReply } from '../../../src/core/model/score.js';
import { Rng } from '../../../src/core/random/rng.js';
import { learnableTable } from '../../core/model/helpers.js';

function bytesOf(a: Float64Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Each embedding row by external id, as bytes. */
function rowsById(m: Model, which: 'user' | 'item'): Map<number, string> {
  const index = which === 'user' ? m.users : m.items;
  const emb = which === 'user' ? m.userEmbeddings : m.itemEmbeddings;
  const dim = m.options.dim;
  const out = new Map<number, string>();
  for (let ix = 0; ix < index.size; ix++) out.set(index.idAt(ix), Buffer.from(bytesOf(emb.subarray(ix * dim, (ix + 1) * dim))).toString('hex'));
  return out;
}

let root: string;
let table: FeatureTable;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dyadflow-model-store-'));
  table = learnableTable(12, { users: 300, items: 500, rowsPerUser: 40 });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('saveModel / loadModel', () => {
  for (const kind of MODEL_KINDS) {
    for (const precision of ['float64', 'float32'] as const) {
      it(`${kind} (${precision}) round-trips exactly`, async () => {
        const model = createModel({ kind, precision, seed: 4, dim: 8 }, fitScaler(table));
        trainModel(model, table, { maxEpochs: 2 });
        const dir = join(root, `${kind}-${precision}`);
        const written = await saveModel(dir, model, { dataFingerprint: fingerprintTable(table), snapshot: '2015-W34', metrics: { auc: 0.61 } });
        const { model: back, manifest } = await loadModel(dir);
        expect(manifest).toEqual(JSON.parse(JSON.stringify(written)));
        expect(back.options).toEqual(model.options);
        expect(bytesOf(back.weights)).toEqual(bytesOf(model.weights));
        expect(rowsById(back, 'user')).toEqual(rowsById(model, 'user'));
        expect(rowsById(back, 'item')).toEqual(rowsById(model, 'item'));
        expect(back.scaler).toEqual(model.scaler);
        expect(back.history).toEqual(model.history);
        expect(manifest.epochs).toBe(2);
        expect(manifest.snapshot).toBe('2015-W34');
        expect(manifest.parent).toBeNull();
        // Only the final names remain (no .tmp files).
        expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'parameters.bin']);
        // The scaler covers all 31 inputs.
        expect(back.scaler.mean.length).toBe(31);
        // Scores agree exactly.
        const d = modelKind(kind);
        const scorers = { click: scoreClick, bookmark: scoreBookmark, reply: scoreReply, embedding: scoreEmbedding };
        for (const task of d.tasks) expect(Array.from(scorers[task](back, table))).toEqual(Array.from(scorers[task](model, table)));
        if (d.embeddings) expect(Array.from(scoreEmbedding(back, table))).toEqual(Array.from(scoreEmbedding(model, table)));
      });
    }
  }

  it('writes the same bytes for the same parameters whatever order ids were seen in', async () => {
    const a = createModel({ kind: 'stl-embedding', seed: 3, dim: 4 });
    const b = createModel({ kind: 'stl-embedding', seed: 3, dim: 4 });
    growModel(a, [5, 9], [70, 20]);
    growModel(a, [1], [30]);
    growModel(b, [9, 1, 5], [30, 20, 70]);
    await saveModel(join(root, 'order-a'), a, { dataFingerprint: fingerprintTable(table) });
    await saveModel(join(root, 'order-b'), b, { dataFingerprint: fingerprintTable(table) });
    expect(await readFile(join(root, 'order-a', 'parameters.bin'))).toEqual(await readFile(join(root, 'order-b', 'parameters.bin')));
    expect(await readFile(join(root, 'order-a', 'manifest.json'), 'utf8')).toBe(await readFile(join(root, 'order-b', 'manifest.json'), 'utf8'));
  });

  it('training a loaded model continues exactly as training the saved one in memory', async () => {
    const model = createModel({ kind: 'mtl', seed: 5, dim: 6, embeddingGradient: 'shared' }, fitScaler(table));
    trainModel(model, table, { maxEpochs: 1 });
    const dir = join(root, 'continue');
    await saveModel(dir, model, { dataFingerprint: fingerprintTable(table) });
    const { model: loaded } = await loadModel(dir);
    trainEpochs(model, table, { maxEpochs: 2 }, Rng.fromSeed(31));
    trainEpochs(loaded, table, { maxEpochs: 2 }, Rng.fromSeed(31));
    expect(bytesOf(loaded.weights)).toEqual(bytesOf(model.weights));
    expect(rowsById(loaded, 'user')).toEqual(rowsById(model, 'user'));
    expect(rowsById(loaded, 'item')).toEqual(rowsById(model, 'item'));
    expect(loaded.history).toEqual(model.history);
  });

  it('refuses an unknown format version with a clear message', async () => {
    const dir = join(root, 'future');
    const model = createModel({ kind: 'stl-click' });
    await saveModel(dir, model, { dataFingerprint: fingerprintTable(table) });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    manifest.formatVersion = MODEL_FORMAT_VERSION + 1;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadModel(dir)).rejects.toMatchObject({
      code: 'DF_ERR_MODEL_FORMAT',
      message: `model ${dir}: format version ${MODEL_FORMAT_VERSION + 1} is not supported; this dyadflow reads version ${MODEL_FORMAT_VERSION}`,
    });
  });

  it('refuses a version-1 model (16-column scaler) saying why', async () => {
    const dir = join(root, 'v1');
    await saveModel(dir, createModel({ kind: 'mtl' }), { dataFingerprint: fingerprintTable(table) });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
    manifest.formatVersion = 1;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(loadModel(dir)).rejects.toMatchObject({
      code: 'DF_ERR_MODEL_FORMAT',
      message: `model ${dir}: format version 1 is not supported (written by an earlier dyadflow whose scaler covered only the 16 context columns; retrain the model); this dyadflow reads version 2`,
    });
    expect(MODEL_FORMAT_VERSION).toBe(2);
  });

  it('refuses a file whose structurally zero weights are not zero (the click intercept, U block, stack slot)', async () => {
    for (const kind of ['mtl', 'mtl-stacking'] as const) {
      const model = createModel({ kind, dim: 4 });
      const zeros = weightLayout(kind, 4).zeros;
      const at = zeros[zeros.length - 1]![0];
      model.weights[at] = 0.5;
      const dir = join(root, `zeros-${kind}`);
      await saveModel(dir, model, { dataFingerprint: fingerprintTable(table) });
      await expect(loadModel(dir)).rejects.toMatchObject({ code: 'DF_ERR_MODEL_CORRUPT', message: `model ${dir}: weight ${at} of a ${kind} model is structurally zero but is 0.5` });
    }
  });

  it('refuses parameters that do not match the manifest, and a missing model', async () => {
    const dir = join(root, 'tampered');
    await saveModel(dir, createModel({ kind: 'stl-reply' }), { dataFingerprint: fingerprintTable(table) });
    const bin = await readFile(join(dir, 'parameters.bin'));
    bin[bin.length - 1] ^= 1;
    await writeFile(join(dir, 'parameters.bin'), bin);
    await expect(loadModel(dir)).rejects.toMatchObject({ code: 'DF_ERR_MODEL_CORRUPT', message: `model ${dir}: parameters.bin checksum differs from manifest.json` });
    await expect(loadModel(join(root, 'nowhere'))).rejects.toMatchObject({ code: 'DF_ERR_MODEL_MISSING' });
  });

  it('the data fingerprint changes with any column', () => {
    const a = fingerprintTable(table);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    const flipped = { ...table, reply: table.reply.slice() };
    flipped.reply[5] ^= 1;
    expect(fingerprintTable(flipped)).not.toBe(a);
    expect(fingerprintTable({ ...table })).toBe(a);
  });
});

describe('warm start from a saved model', () => {
  it('after loading, the first epoch on the same data starts within 1% of the last saved epoch loss', async () => {
    const big = learnableTable(13, { users: 400, items: 600, rowsPerUser: 50 });
    const model = createModel({ kind: 'mtl', seed: 6 }, fitScaler(big));
    const untrained = cloneModel(model);
    trainModel(model, big, { maxEpochs: 10, iterationsPerEpoch: 60_000 });
    const dir = join(root, 'warm');
    await saveModel(dir, model, { dataFingerprint: fingerprintTable(big) });
    const { model: loaded, manifest } = await loadModel(dir);
    const last = manifest.losses[manifest.losses.length - 1]!.total;
    const knownUsers = rowsById(loaded, 'user');
    const knownItems = rowsById(loaded, 'item');
    const weights = Buffer.from(bytesOf(loaded.weights));
    // Grow with a later snapshot's new ids: the known parameters stay bit for bit.
    growModel(loaded, [123456, 1], [987654, 2]);
    for (const [id, hex] of knownUsers) expect(rowsById(loaded, 'user').get(id)).toBe(hex);
    for (const [id, hex] of knownItems) expect(rowsById(loaded, 'item').get(id)).toBe(hex);
    expect(Buffer.from(bytesOf(loaded.weights))).toEqual(weights);
    const resumed = trainEpochs(loaded, big, { maxEpochs: 1, iterationsPerEpoch: 60_000 }, Rng.fromSeed(77)).epochs[0]!;
    const cold = trainEpochs(untrained, big, { maxEpochs: 1, iterationsPerEpoch: 60_000 }, Rng.fromSeed(77)).epochs[0]!;
    expect(Math.abs(resumed.total - last) / last).toBeLessThan(0.01);
    expect((cold.total - last) / last).toBeGreaterThan(0.05);
    expect(resumed.epoch).toBe(11);
  });
});

describe('fingerprintTableSliced', () => {
  it('equals fingerprintTable, several slices per column included', async () => {
    const { fingerprintTable, fingerprintTableSliced } = await import('../../../src/adapters/model-store/fingerprint.js');
    const { randomFeatureTable } = await import('../snapshot/random-table.js');
    for (const rows of [0, 3, 40_000]) {
      const table = randomFeatureTable(rows, rows + 1);
      expect(await fingerprintTableSliced(table)).toBe(fingerprintTable(table));
    }
  });
});
