// The model kinds' descriptors and the weight layout they give: what the experiment's tables, the stepper,
// the scorer and the model store read.
import { describe, expect, it } from 'vitest';
import { MODEL_KINDS, MODEL_TASKS, modelKind, mtlVariants, stlKindOf } from '../../../src/core/model/kinds.js';
import { BASE_WIDTH, headLayout, kernelHead, weightLayout } from '../../../src/core/model/layout.js';
import { modelTasks } from '../../../src/core/model/model.js';

describe('model kind descriptors', () => {
  it('every task has one single-task baseline, and the MTL variants are named', () => {
    expect(MODEL_TASKS.map(stlKindOf)).toEqual(['stl-click', 'stl-bookmark', 'stl-reply', 'stl-embedding']);
    expect(mtlVariants()).toEqual([
      { name: 'bilinear', kind: 'mtl-bilinear' },
      { name: 'stacking', kind: 'mtl-stacking' },
    ]);
    expect(MODEL_KINDS).toEqual(['mtl', 'mtl-bilinear', 'mtl-stacking', 'stl-click', 'stl-bookmark', 'stl-reply', 'stl-embedding']);
  });

  it('modelTasks reads the descriptor', () => {
    expect(modelTasks('mtl-stacking')).toEqual({ click: true, bookmark: true, reply: true, embedding: true });
    expect(modelTasks('stl-reply')).toEqual({ click: false, bookmark: false, reply: true, embedding: false });
  });

  it("the experiment's tables as they were: reported rows and selection tasks", () => {
    expect(modelKind('mtl').reports).toEqual(['click', 'embedding', 'bookmark', 'reply']);
    expect(modelKind('mtl').selectedOn).toEqual(['click', 'bookmark', 'reply']);
    for (const task of MODEL_TASKS) {
      expect(modelKind(stlKindOf(task)).reports).toEqual([task]);
      expect(modelKind(stlKindOf(task)).selectedOn).toEqual([task]);
    }
  });
});

describe('weight layout', () => {
  it("the paper's MTL: three heads of 1 + 31 + 2·dim; the click head's intercept and U block are structural zeros", () => {
    const l = weightLayout('mtl', 30);
    expect(l.width).toBe(1 + BASE_WIDTH + 60);
    expect(l.length).toBe(3 * 92);
    expect(l.heads.map((h) => [h.task, h.intercept, h.inputs, h.user, h.item, h.bilinear, h.stack])).toEqual([
      ['click', 0, 1, 32, 62, -1, -1],
      ['bookmark', 92, 93, 124, 154, -1, -1],
      ['reply', 184, 185, 216, 246, -1, -1],
    ]);
    expect(l.zeros).toEqual([
      [0, 1],
      [32, 62],
    ]);
  });

  it('the variants add one weight per head: ⟨U_u, I_o⟩ (bilinear) or the click score (stacking, not read by the click head)', () => {
    const b = weightLayout('mtl-bilinear', 4);
    expect(b.width).toBe(1 + 31 + 8 + 1);
    expect(b.heads.map((h) => h.bilinear)).toEqual([40, 81, 122]);
    const s = weightLayout('mtl-stacking', 4);
    expect(s.heads.map((h) => h.stack)).toEqual([40, 81, 122]);
    expect(s.zeros).toContainEqual([40, 41]);
    expect(kernelHead(s, 'click').stack).toBe(-1);
    expect(kernelHead(s, 'bookmark').stack).toBe(81);
  });

  it('single-task baselines: one head of 1 + 31 (click: intercept a structural zero), none for the embeddings', () => {
    expect(weightLayout('stl-click', 30)).toEqual({
      width: 32,
      length: 32,
      heads: [{ task: 'click', intercept: 0, inputs: 1, user: -1, item: -1, bilinear: -1, stack: -1 }],
      zeros: [[0, 1]],
    });
    expect(headLayout(weightLayout('stl-reply', 30), 'reply')?.inputs).toBe(1);
    expect(headLayout(weightLayout('stl-reply', 30), 'click')).toBeNull();
    expect(kernelHead(weightLayout('stl-reply', 30), 'click').intercept).toBe(-1);
    expect(weightLayout('stl-embedding', 30)).toEqual({ width: 0, length: 0, heads: [], zeros: [] });
  });
});
