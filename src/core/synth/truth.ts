// The generator's truth (issue 10): what a synthetic dataset's clicks, bookmarks and replies were drawn
// from, for the oracle row of Fig. 2. `generate` writes it beside the four RecSys 2016 files (adapter:
// src/adapters/recsys16/truth.ts); the features never read it.
//
// It holds the core users (the heavy users whose clicks the affinity drives; light and impression-only users
// interact without it, and 30/30 subsampling removes them) and every item a core user was shown or
// interacted with. The oracle scores a dyad with the generator's own probabilities for a shown item
// (generate.ts): with a(u,i) the affinity, α_u the user's click bias, κ and γ the strengths, b_u the user's
// propensities and m_u the mean affinity of the user's clicks,
//   click    p_c = σ(α_u + κ·a)            (× noiseClickFactor for a long-tail item)
//   bookmark p_c·min(1, bookmarkPerClick·b_u·2σ(γ(a − m_u))) + (1 − p_c)·(bookmarkOnlyPerShown + ¼·replyOnlyPerShown)
//   reply    likewise with the reply parameters.
// Whether an item was shown is not used: the generator also adds interacted items that were never shown,
// and no model sees that fact either. Users without a truth (not core) score a constant, the random
// expectation; the count is reported.
import { invariant } from '../errors.js';

/** The truth format this code writes and the only one it reads. */
export const SYNTH_TRUTH_FORMAT_VERSION = 1;

/** Everything the oracle needs to score a dyad as the generator drew it. */
export interface SynthTruth {
  formatVersion: number;
  kind: 'dyadflow.synthetic-truth';
  preset: string;
  seed: number;
  latentDim: number;
  parameters: {
    /** a(u,i) = dot·⟨f_u, f_i⟩/√latentDim + career·[levels known, within 1] + industry·[same] + region·[same, known] + popularity·z_i. */
    affinity: { dot: number; career: number; industry: number; region: number; popularity: number };
    clickStrength: number;
    extraStrength: number;
    noiseClickFactor: number;
    bookmarkPerClick: number;
    replyPerClick: number;
    bookmarkOnlyPerShown: number;
    replyOnlyPerShown: number;
  };
  /** Core users, ids ascending; `factors` row-major users × latentDim. */
  users: {
    ids: Int32Array;
    factors: Float32Array;
    careerLevel: Uint8Array;
    industry: Uint8Array;
    region: Uint8Array;
    clickBias: Float64Array;
    bookmarkPropensity: Float64Array;
    replyPropensity: Float64Array;
    meanClickedAffinity: Float64Array;
  };
  /** Items any core user saw or touched, ids ascending; `live` 0 for long-tail items. */
  items: {
    ids: Int32Array;
    factors: Float32Array;
    careerLevel: Uint8Array;
    industry: Uint8Array;
    region: Uint8Array;
    popularity: Float32Array;
    live: Uint8Array;
  };
}

/** The label an oracle score is for (the Fig. 2 embedding row is judged on clicks). */
export type TruthTask = 'click' | 'bookmark' | 'reply';

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Index of `id` in ascending `ids`, or −1. */
function find(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Checks the lengths of a truth's columns against its counts (a reader calls it on a parsed file). */
export function checkTruth(t: SynthTruth): void {
  const K = t.latentDim;
  const nu = t.users.ids.length;
  const ni = t.items.ids.length;
  invariant(Number.isInteger(K) && K >= 1, 'truth latentDim must be a positive integer');
  invariant(t.users.factors.length === nu * K && t.items.factors.length === ni * K, 'truth factors do not match the id counts');
  for (const c of [t.users.careerLevel, t.users.industry, t.users.region, t.users.clickBias, t.users.bookmarkPropensity, t.users.replyPropensity, t.users.meanClickedAffinity]) {
    invariant(c.length === nu, 'a truth user column does not match the user count');
  }
  for (const c of [t.items.careerLevel, t.items.industry, t.items.region, t.items.popularity, t.items.live]) {
    invariant(c.length === ni, 'a truth item column does not match the item count');
  }
  for (let k = 1; k < nu; k++) invariant(t.users.ids[k - 1]! < t.users.ids[k]!, 'truth user ids are not ascending');
  for (let k = 1; k < ni; k++) invariant(t.items.ids[k - 1]! < t.items.ids[k]!, 'truth item ids are not ascending');
}

/** The generator's affinity a(u, i) of truth user row `u` and item row `i`. */
export function truthAffinity(t: SynthTruth, u: number, i: number): number {
  const K = t.latentDim;
  const w = t.parameters.affinity;
  let dot = 0;
  for (let k = 0; k < K; k++) dot += t.users.factors[u * K + k]! * t.items.factors[i * K + k]!;
  const cu = t.users.careerLevel[u]!;
  const ci = t.items.careerLevel[i]!;
  const careerMatch = cu > 0 && ci > 0 && Math.abs(cu - ci) <= 1 ? 1 : 0;
  const industryMatch = t.users.industry[u] === t.items.industry[i] ? 1 : 0;
  const regionMatch = t.users.region[u]! > 0 && t.users.region[u] === t.items.region[i] ? 1 : 0;
  return (w.dot * dot) / Math.sqrt(K) + w.career * careerMatch + w.industry * industryMatch + w.region * regionMatch + w.popularity * t.items.popularity[i]!;
}

/**
 * The oracle's score of each dyad (userIds[k], itemIds[k]) for a task: the generator's probability of that
 * label for a shown item (file comment). A dyad whose user or item has no truth scores
 * `missingScore` (the same constant for all, so those users get the random expectation); `missing` counts them.
 */
export function oracleScores(t: SynthTruth, task: TruthTask, userIds: Int32Array, itemIds: Int32Array, missingScore = 0): { scores: Float64Array; missing: number } {
  invariant(userIds.length === itemIds.length, 'oracleScores: column lengths differ');
  const p = t.parameters;
  const scores = new Float64Array(userIds.length);
  let missing = 0;
  let lastUserId = NaN;
  let u = -1;
  for (let k = 0; k < userIds.length; k++) {
    if (userIds[k] !== lastUserId) {
      lastUserId = userIds[k]!;
      u = find(t.users.ids, lastUserId);
    }
    const i = u < 0 ? -1 : find(t.items.ids, itemIds[k]!);
    if (u < 0 || i < 0) {
      scores[k] = missingScore;
      missing++;
      continue;
    }
    const a = truthAffinity(t, u, i);
    const pc = (t.items.live[i] ? 1 : p.noiseClickFactor) * sigmoid(t.users.clickBias[u]! + p.clickStrength * a);
    if (task === 'click') {
      scores[k] = pc;
      continue;
    }
    const lift = 2 * sigmoid(p.extraStrength * (a - t.users.meanClickedAffinity[u]!));
    const afterClick = task === 'bookmark' ? p.bookmarkPerClick * t.users.bookmarkPropensity[u]! : p.replyPerClick * t.users.replyPropensity[u]!;
    const withoutClick = task === 'bookmark' ? p.bookmarkOnlyPerShown + 0.25 * p.replyOnlyPerShown : p.replyOnlyPerShown + 0.25 * p.bookmarkOnlyPerShown;
    scores[k] = pc * Math.min(1, afterClick * lift) + (1 - pc) * withoutClick;
  }
  return { scores, missing };
}
