// The training loop defers the log1p terms of the logistic losses (TripletStepper.deferLogTerms): its epoch
// losses must agree with the mean of the exact per-step losses, and the parameters must not depend on it.
import { describe, expect, it } from 'vitest';
import { cloneModel, createModel, type Model } from '../../../src/core/model/model.js';
import { MODEL_KINDS } from '../../../src/core/model/kinds.js';
import { fitScaler, trainingRowMask } from '../../../src/core/model/scaler.js';
import { prepareTraining, trainEpochs } from '../../../src/core/model/sgd.js';
import { Rng } from '../../../src/core/random/rng.js';
import { learnableTable } from './helpers.js';

function bytesOf(a: Float64Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

const TABLE = learnableTable(12, { users: 50, items: 120, rowsPerUser: 30 });
const KINDS = MODEL_KINDS;

/** The same epochs as trainEpochs, written out with exact per-step losses (no deferral). */
function exactEpochs(model: Model, epochs: number, iterations: number, rng: Rng): { click: number; bookmark: number; reply: number; embedding: number }[] {
  const { set, stepper } = prepareTraining(model, TABLE, trainingRowMask(TABLE));
  const { start, posEnd } = set;
  const out = [];
  for (let e = 0; e < epochs; e++) {
    const s = { click: 0, bookmark: 0, reply: 0, embedding: 0 };
    for (let it = 0; it < iterations; it++) {
      const k = rng.nextInt(set.userIds.length);
      const p = start[k]! + rng.nextInt(posEnd[k]! - start[k]!);
      const n = posEnd[k]! + rng.nextInt(start[k + 1]! - posEnd[k]!);
      stepper.step(k, p, n, model.options.learningRateWeights / (1 + model.options.learningRateWeightsDecay * e), model.options.learningRateEmbeddings);
      s.click += stepper.lossClick;
      s.bookmark += stepper.lossBookmark;
      s.reply += stepper.lossReply;
      s.embedding += stepper.lossEmbedding;
    }
    out.push({ click: s.click / iterations, bookmark: s.bookmark / iterations, reply: s.reply / iterations, embedding: s.embedding / iterations });
  }
  return out;
}

describe('deferred log terms', () => {
  for (const precision of ['float64', 'float32'] as const) {
    for (const kind of KINDS) {
      it(`${kind} (${precision}): epoch losses equal the mean exact per-step losses, parameters bit for bit`, () => {
        const a = createModel({ kind, precision, seed: 4, embeddingGradient: 'shared' }, fitScaler(TABLE));
        const b = cloneModel(a);
        // 1,000 iterations: several flushes of the products (every 256 steps) and a partial last one.
        const got = trainEpochs(a, TABLE, { maxEpochs: 3, iterationsPerEpoch: 1000, epsilon: 0 }, Rng.fromSeed(77)).epochs;
        const want = exactEpochs(b, 3, 1000, Rng.fromSeed(77));
        expect(bytesOf(a.weights).equals(bytesOf(b.weights))).toBe(true);
        expect(bytesOf(a.userEmbeddings).equals(bytesOf(b.userEmbeddings))).toBe(true);
        expect(bytesOf(a.itemEmbeddings).equals(bytesOf(b.itemEmbeddings))).toBe(true);
        for (let e = 0; e < 3; e++) {
          for (const task of ['click', 'bookmark', 'reply', 'embedding'] as const) {
            const g = got[e]![task];
            if (g === null) continue;
            expect(Math.abs(g - want[e]![task]) / want[e]![task]).toBeLessThan(1e-13);
          }
        }
      });
    }
  }

  it('one deferred step: the returned part plus the deferred logs is the exact loss of each task', () => {
    const model = createModel({ kind: 'mtl', precision: 'float64', seed: 3, bookmarkWeight: 7, replyWeight: 5 }, fitScaler(TABLE));
    const { set, stepper } = prepareTraining(model, TABLE, trainingRowMask(TABLE));
    // Non-zero weights so every loss is away from log 2 and the labels' class weights matter.
    const rng = Rng.fromSeed(1);
    for (let j = 0; j < model.weights.length; j++) model.weights[j] = 0.3 * rng.nextNormal();
    let checked = 0;
    for (let k = 0; k < set.userIds.length; k++) {
      const p = set.start[k]!;
      const n = set.posEnd[k]!;
      stepper.step(k, p, n, 0, 0);
      const exact = [stepper.lossClick, stepper.lossBookmark, stepper.lossReply, stepper.lossEmbedding];
      stepper.deferLogTerms(true);
      stepper.step(k, p, n, 0, 0);
      const returned = [stepper.lossClick, stepper.lossBookmark, stepper.lossReply, stepper.lossEmbedding];
      const sums = Float64Array.from(returned);
      stepper.takeDeferredLosses(sums);
      stepper.deferLogTerms(false);
      for (let t = 0; t < 4; t++) expect(sums[t]).toBeCloseTo(exact[t]!, 13);
      // The log terms (each > 0) were left out of the returned losses, not counted twice.
      for (let t = 0; t < 4; t++) expect(returned[t]!).toBeLessThan(exact[t]!);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
