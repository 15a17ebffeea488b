// The loss charts of report.md (renderLossCurves, src/core/experiment/report.ts), issue 9: each says what its
// loss is (the bookmark and reply losses are per dyad, not per triplet), and a task without data says so.
import { describe, expect, it } from 'vitest';
import { renderLossCurves } from '../../../src/core/experiment/report.js';
import type { ReproduceResults } from '../../../src/core/experiment/results.js';
import type { EpochLoss } from '../../../src/core/model/index.js';

function epoch(n: number, v: Partial<EpochLoss>): EpochLoss {
  return { epoch: n, iterations: 10, total: 0, click: null, bookmark: null, reply: null, embedding: null, ...v };
}

function runs(losses: Record<string, EpochLoss[]>): ReproduceResults['runs'] {
  return Object.fromEntries(Object.entries(losses).map(([kind, l]) => [kind, { losses: l }])) as unknown as ReproduceResults['runs'];
}

describe('renderLossCurves', () => {
  const charts = renderLossCurves(
    runs({
      'stl-click': [epoch(1, { click: 0.69 }), epoch(2, { click: 0.6 })],
      'stl-embedding': [epoch(1, { embedding: 0.69 }), epoch(2, { embedding: 0.5 })],
      'stl-bookmark': [epoch(1, { bookmark: 0.7 }), epoch(2, { bookmark: 0.65 })],
      'stl-reply': [],
      mtl: [epoch(1, { click: 0.7, embedding: 0.7, bookmark: 0.72 }), epoch(2, { click: 0.62, embedding: 0.52, bookmark: 0.6 })],
    }),
  );

  it('one chart per task', () => {
    expect(Object.keys(charts)).toEqual(['loss-click.svg', 'loss-embedding.svg', 'loss-bookmark.svg', 'loss-reply.svg']);
  });

  it('bookmark and reply say their loss is per dyad; click and embedding per triplet', () => {
    for (const name of ['loss-bookmark.svg', 'loss-reply.svg']) {
      expect(charts[name]).not.toContain('per triplet<');
      expect(charts[name]).toContain('class-weighted logistic loss of the two dyads of each sampled triplet');
    }
    // The reply chart has no data, hence no axes.
    expect(charts['loss-bookmark.svg']).toContain('>mean weighted loss per dyad</text>');
    for (const name of ['loss-click.svg', 'loss-embedding.svg']) expect(charts[name]).toContain('>mean loss per triplet</text>');
  });

  it('a task with no recorded loss says so', () => {
    expect(charts['loss-reply.svg']).toContain('>no reply loss was recorded (no epoch trained)</text>');
    expect(charts['loss-bookmark.svg']).not.toContain('no bookmark loss');
  });
});
