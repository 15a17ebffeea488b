// The weight layout of every model kind, in one place: the kernels (through KernelInputs), the scorer and
// the model store read it, nothing else computes an offset. A kind's heads (click, bookmark, reply, those it
// has, in that order) lie one after another, all of the same width:
//   [intercept, 31 scaled inputs (15 win/tie/loss, 16 context), U_u (dim)?, I_o (dim)?, ⟨U_u, I_o⟩?, s_click?]
// with the embedding blocks where the kind reads U_u and I_o linearly, the bilinear weight where it reads
// ⟨U_u, I_o⟩, and the stack weight where a head reads the click head's score (stored for the click head too,
// so every head has one width, and always 0 there).
import { CONTEXT_WIDTH, WTL_WIDTH } from '../features/feature-table.js';
import type { KernelHead } from './kernels.js';
import { modelKind, type HeadTask, type ModelKind } from './kinds.js';

/** Inputs without embeddings: 15 win/tie/loss statistics + 16 contextual values, all standardised. */
export const BASE_WIDTH = WTL_WIDTH + CONTEXT_WIDTH;

/** Where one head's blocks start in the weights array; -1 where the head has no such block. */
export interface HeadLayout extends KernelHead {
  task: HeadTask;
}

/** The layout of a kind's weights for one embedding dimension. */
export interface WeightLayout {
  /** Width of one head. */
  width: number;
  /** Number of weights (heads × width). */
  length: number;
  /** The heads, in weight order. */
  heads: readonly HeadLayout[];
  /**
   * Weights that get no gradient and stay exactly 0 from the zero start ([start, end) ranges): the click
   * intercept (it cancels in the pairwise loss), the click head's U block (U_u − U_u = 0) and its stack
   * slot. The kernels neither read nor decay them; the model store refuses a file where they are not 0.
   */
  zeros: readonly (readonly [number, number])[];
}

const NONE: KernelHead = { intercept: -1, inputs: -1, user: -1, item: -1, bilinear: -1, stack: -1 };

/** The weight layout of a kind with embedding dimension `dim`. */
export function weightLayout(kind: ModelKind, dim: number): WeightLayout {
  const { heads, linearEmbeddings, bilinear, stackOnClick } = modelKind(kind).heads;
  const width = heads.length === 0 ? 0 : 1 + BASE_WIDTH + (linearEmbeddings ? 2 * dim : 0) + (bilinear ? 1 : 0) + (stackOnClick ? 1 : 0);
  const out: HeadLayout[] = [];
  const zeros: [number, number][] = [];
  heads.forEach((task, h) => {
    const start = h * width;
    let at = start + 1 + BASE_WIDTH;
    const user = linearEmbeddings ? at : -1;
    const item = linearEmbeddings ? at + dim : -1;
    if (linearEmbeddings) at += 2 * dim;
    const bilinearAt = bilinear ? at++ : -1;
    const stack = stackOnClick ? at++ : -1;
    out.push({ task, intercept: start, inputs: start + 1, user, item, bilinear: bilinearAt, stack });
    if (task === 'click') {
      zeros.push([start, start + 1]);
      if (user >= 0) zeros.push([user, user + dim]);
      if (stack >= 0) zeros.push([stack, stack + 1]);
    }
  });
  return { width, length: width * heads.length, heads: out, zeros };
}

/** The layout of one head, or null when the kind has no such head. */
export function headLayout(layout: WeightLayout, task: HeadTask): HeadLayout | null {
  return layout.heads.find((h) => h.task === task) ?? null;
}

/**
 * A head's offsets as a kernel reads them: all -1 when the kind has no such head, and -1 for the click
 * head's stack slot (the click head never reads its own score).
 */
export function kernelHead(layout: WeightLayout, task: HeadTask): KernelHead {
  const h = headLayout(layout, task);
  if (h === null) return NONE;
  return { intercept: h.intercept, inputs: h.inputs, user: h.user, item: h.item, bilinear: h.bilinear, stack: task === 'click' ? -1 : h.stack };
}
