// Issue 4: "The trainer reads the Arrow file back". A model trained on the table read back from
// features.arrow is bit-identical to one trained on the table in memory, so snapshots are training input.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFeatureTableArrow, writeFeatureTableArrow } from '../../../src/adapters/arrow/index.js';
import { encodeParameters } from '../../../src/adapters/model-store/model-store.js';
import { DEFAULT_SUBSAMPLE, subsample } from '../../../src/core/dataset/subsample.js';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS } from '../../../src/core/features/build-feature-table.js';
import { createModel, fitScaler, trainModel } from '../../../src/core/model/index.js';
import { synthDataset } from '../../core/synth/synth-dataset.js';

let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('training from a features.arrow snapshot', () => {
  it('gives the same model, bit for bit, as training on the table in memory', async () => {
    const ds = subsample(synthDataset('tiny', 1).dataset, DEFAULT_SUBSAMPLE);
    const { table } = buildFeatureTable(ds, DEFAULT_FEATURE_OPTIONS);
    dir = await mkdtemp(join(tmpdir(), 'dyadflow-arrow-train-'));
    const path = join(dir, 'features.arrow');
    await writeFeatureTableArrow(path, table, DEFAULT_FEATURE_OPTIONS.spread);
    const readBack = readFeatureTableArrow(path);
    const train = (t: typeof table) => {
      const model = createModel({ kind: 'mtl', seed: 5, maxEpochs: 3, epsilon: 0 }, fitScaler(t));
      const result = trainModel(model, t);
      return { parameters: encodeParameters(model), losses: result.epochs.map((e) => e.total) };
    };
    const fromMemory = train(table);
    const fromArrow = train(readBack);
    expect(fromArrow.losses).toHaveLength(3);
    expect(fromArrow.losses).toEqual(fromMemory.losses);
    expect(fromArrow.parameters.equals(fromMemory.parameters)).toBe(true);
  });
});
