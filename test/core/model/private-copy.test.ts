// privateCopy compiles a copy of a closure factory from its source text (so V8 specialises each copy's
// closures to what they capture); every training step runs through such a copy. The copy must compute exactly
// what the factory does, and where code generation from strings is off, the factory itself is used.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cloneModel, createModel } from '../../../src/core/model/model.js';
import { privateCopy } from '../../../src/core/model/private-copy.js';
import { MODEL_KINDS, modelKind, type ModelKind } from '../../../src/core/model/kinds.js';
import { fitScaler } from '../../../src/core/model/scaler.js';
import { trainEpochs } from '../../../src/core/model/sgd.js';
import { Rng } from '../../../src/core/random/rng.js';
import { learnableTable } from './helpers.js';

function bytesOf(a: Float64Array | Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function counterFactory(start: number): () => number {
  let n = start;
  return () => ++n;
}

const TABLE = learnableTable(5, { users: 40, items: 90, rowsPerUser: 25 });

describe('privateCopy', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('returns a different function that computes the same thing', () => {
    const copy = privateCopy(counterFactory);
    expect(copy).not.toBe(counterFactory);
    const a = copy(10);
    const b = copy(10);
    expect([a(), a(), b()]).toEqual([11, 12, 11]);
  });

  it('makes a fresh copy every call (V8 would otherwise reuse the cached one)', () => {
    expect(privateCopy(counterFactory)).not.toBe(privateCopy(counterFactory));
  });

  it('falls back to the factory itself when code generation from strings is disabled', () => {
    vi.stubGlobal('Function', function refuse() {
      throw new EvalError('Code generation from strings disallowed for this context');
    });
    expect(privateCopy(counterFactory)).toBe(counterFactory);
  });

  // Every kind; the MTL kinds in both embeddingGradient modes.
  const RUNS: { kind: ModelKind; embeddingGradient: 'ranking' | 'shared' }[] = MODEL_KINDS.flatMap((kind) =>
    modelKind(kind).family === 'mtl' ? (['ranking', 'shared'] as const).map((embeddingGradient) => ({ kind, embeddingGradient })) : [{ kind, embeddingGradient: 'ranking' as const }],
  );
  for (const precision of ['float64', 'float32'] as const) {
    for (const { kind, embeddingGradient } of RUNS) {
      it(`${kind} (${precision}, ${embeddingGradient}): training through the copied step equals the factory's own, bit for bit`, () => {
        const copied = createModel({ kind, precision, seed: 3, embeddingGradient }, fitScaler(TABLE));
        const plain = cloneModel(copied);
        const opts = { maxEpochs: 2, iterationsPerEpoch: 3000, epsilon: 0 };
        const lossCopied = trainEpochs(copied, TABLE, opts, Rng.fromSeed(9)).epochs;
        let refused = 0;
        vi.stubGlobal('Function', function refuse() {
          refused++;
          throw new EvalError('Code generation from strings disallowed for this context');
        });
        const lossPlain = trainEpochs(plain, TABLE, opts, Rng.fromSeed(9)).epochs;
        vi.unstubAllGlobals();
        expect(refused).toBe(1); // the second run really used the factory itself
        expect(bytesOf(copied.weights).equals(bytesOf(plain.weights))).toBe(true);
        expect(bytesOf(copied.userEmbeddings).equals(bytesOf(plain.userEmbeddings))).toBe(true);
        expect(bytesOf(copied.itemEmbeddings).equals(bytesOf(plain.itemEmbeddings))).toBe(true);
        expect(lossCopied).toEqual(lossPlain);
        // The run trained something: the loss moved between the two epochs.
        expect(lossCopied[1]!.total).not.toBe(lossCopied[0]!.total);
      });
    }
  }
});
