// The generator's truth and the oracle's scores (issue 10): a literal truth scored by hand, and the tiny
// preset's truth checked against its own data.
import { describe, expect, it } from 'vitest';
import { checkTruth, oracleScores, type SynthTruth } from '../../../src/core/synth/truth.js';
import { buildSynthetic } from '../../../src/core/synth/index.js';
import { subsample, DEFAULT_SUBSAMPLE } from '../../../src/core/dataset/subsample.js';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS } from '../../../src/core/features/build-feature-table.js';
import { evaluateTask } from '../../../src/core/evaluation/index.js';
import { synthDataset } from './synth-dataset.js';

const σ = (x: number): number => 1 / (1 + Math.exp(-x));

// One user (id 5) with zero factors, career 3, industry 2, region 0; items 10 (live: career 4, industry 2, z 0)
// and 11 (long tail: career 6, industry 1, z 1). Affinities: 0.5·1 + 0.3·1 = 0.8 and 0.4·1 = 0.4.
const TRUTH: SynthTruth = {
  formatVersion: 1,
  kind: 'dyadflow.synthetic-truth',
  preset: 'literal',
  seed: 1,
  latentDim: 2,
  parameters: {
    affinity: { dot: 0.5, career: 0.5, industry: 0.3, region: 0.2, popularity: 0.4 },
    clickStrength: 1.5,
    extraStrength: 1.5,
    noiseClickFactor: 0.5,
    bookmarkPerClick: 0.1,
    replyPerClick: 0.2,
    bookmarkOnlyPerShown: 0.01,
    replyOnlyPerShown: 0.02,
  },
  users: {
    ids: Int32Array.of(5),
    factors: Float32Array.of(0, 0),
    careerLevel: Uint8Array.of(3),
    industry: Uint8Array.of(2),
    region: Uint8Array.of(0),
    clickBias: Float64Array.of(-1),
    bookmarkPropensity: Float64Array.of(2),
    replyPropensity: Float64Array.of(0.5),
    meanClickedAffinity: Float64Array.of(0.6),
  },
  items: {
    ids: Int32Array.of(10, 11),
    factors: Float32Array.of(1, 1, -1, 1),
    careerLevel: Uint8Array.of(4, 6),
    industry: Uint8Array.of(2, 1),
    region: Uint8Array.of(0, 0),
    popularity: Float32Array.of(0, 1),
    live: Uint8Array.of(1, 0),
  },
};

describe('oracleScores', () => {
  const users = Int32Array.of(5, 5, 7);
  const items = Int32Array.of(10, 11, 10);

  it("gives the generator's click probability: σ(α + κ·a), halved for a long-tail item", () => {
    const r = oracleScores(TRUTH, 'click', users, items);
    expect(r.scores[0]).toBeCloseTo(σ(-1 + 1.5 * 0.8), 15);
    expect(r.scores[1]).toBeCloseTo(0.5 * σ(-1 + 1.5 * 0.4), 15);
    // User 7 has no truth: the constant, counted.
    expect(r.scores[2]).toBe(0);
    expect(r.missing).toBe(1);
  });

  it('gives bookmark and reply as after a click (with the lift of a better-than-usual item) or without one', () => {
    const pc = σ(-1 + 1.5 * 0.8);
    const lift = 2 * σ(1.5 * (0.8 - 0.6));
    const b = oracleScores(TRUTH, 'bookmark', users, items).scores[0]!;
    expect(b).toBeCloseTo(pc * Math.min(1, 0.1 * 2 * lift) + (1 - pc) * (0.01 + 0.25 * 0.02), 15);
    const r = oracleScores(TRUTH, 'reply', users, items).scores[0]!;
    expect(r).toBeCloseTo(pc * Math.min(1, 0.2 * 0.5 * lift) + (1 - pc) * (0.02 + 0.25 * 0.01), 15);
  });

  it('rejects columns that do not match the counts', () => {
    expect(() => checkTruth({ ...TRUTH, items: { ...TRUTH.items, live: Uint8Array.of(1) } })).toThrow(/item column/);
  });
});

describe("the tiny preset's truth", () => {
  const truth = buildSynthetic('tiny', 1).truth();
  const { dataset } = synthDataset('tiny', 1);

  it('covers exactly the core users, and every item they saw or touched', () => {
    checkTruth(truth);
    expect(truth.users.ids.length).toBe(230);
    const userSet = new Set(truth.users.ids);
    const itemSet = new Set(truth.items.ids);
    const i = dataset.interactions;
    for (let r = 0; r < i.length; r++) if (userSet.has(i.userIds[r]!)) expect(itemSet.has(i.itemIds[r]!)).toBe(true);
  });

  it('ranks each user\'s test dyads far better than chance: the truth belongs to the data', () => {
    const { table } = buildFeatureTable(subsample(dataset, DEFAULT_SUBSAMPLE), DEFAULT_FEATURE_OPTIONS);
    const r = oracleScores(truth, 'click', table.userIds, table.itemIds);
    expect(r.missing).toBe(0);
    const e = evaluateTask({ userIds: table.userIds, labels: table.click, scores: r.scores }, { scoreKind: 'probability' });
    expect(e.metrics.auc!).toBeGreaterThan(0.6);
    // Another seed's truth does not fit these data.
    const other = oracleScores(buildSynthetic('tiny', 2).truth(), 'click', table.userIds, table.itemIds);
    const wrong = evaluateTask({ userIds: table.userIds, labels: table.click, scores: other.scores }, { scoreKind: 'probability' });
    expect(Math.abs(wrong.metrics.auc! - 0.5)).toBeLessThan(0.05);
  });
});
