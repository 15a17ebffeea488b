// The 15 win/tie/loss statistics of a dyad (Volkovs & Zemel 2012 adapted to implicit feedback;
// method.md §3). For a neighbour v with an entry for o, s = IM(v,o), n_v = v's number of entries:
// win = #{x < s}/(n_v − 1), loss = #{x > s}/(n_v − 1), tie = (#{x = s} − 1)/(n_v − 1), all 0 when n_v = 1,
// from v's 7-bin IM histogram in O(1) (cumulated once per call). Then for WIN, LOSS, TIE: mean,
// population std (or variance), max, min and #non-zero / K over the actual neighbours (best first);
// no neighbours → all 0.

import { IM_LEVELS, ImplicitState } from '../matrix/implicit-state.js';
import { NeighbourSelector, type NeighbourOptions } from '../neighbours/selector.js';
import { WTL_WIDTH, type Spread } from './feature-table.js';

/** Options of the win/tie/loss features: neighbour selection plus the spread statistic. */
export interface WtlOptions extends NeighbourOptions {
  spread: Spread;
}

/** Counts over a batch of dyads: how many had fewer than K neighbours (none included), and none at all. */
export interface NeighbourCounts {
  fewerThanK: number;
  noNeighbours: number;
}

/**
 * Writes the five statistics (mean, spread, max, min, nonzero/K) of values[0..m) at out[offset..offset+5).
 * The sums run in the given order, so the same neighbours in the same order give the same bits.
 */
export function fiveStatistics(values: Float64Array, m: number, k: number, spread: Spread, out: Float64Array, offset: number): void {
  if (m === 0) {
    for (let j = 0; j < 5; j++) out[offset + j] = 0;
    return;
  }
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  let nonZero = 0;
  for (let i = 0; i < m; i++) {
    const x = values[i]!;
    sum += x;
    if (x > max) max = x;
    if (x < min) min = x;
    if (x !== 0) nonZero++;
  }
  const mean = sum / m;
  // Two-pass variance: numerically safer than E[x²] − E[x]² (Chan, Golub & LeVeque 1983).
  let ss = 0;
  for (let i = 0; i < m; i++) {
    const d = values[i]! - mean;
    ss += d * d;
  }
  const variance = ss / m;
  out[offset] = mean;
  out[offset + 1] = spread === 'std' ? Math.sqrt(variance) : variance;
  out[offset + 2] = max;
  out[offset + 3] = min;
  out[offset + 4] = nonZero / k;
}

/**
 * The 15 win/tie/loss statistics of the dyads (userIxs[i], itemIxs[i]) from `state` (indices of that state;
 * -1 = not in the state), written row-major into out[i·15 ..]. Dyads of the same user should be adjacent
 * (the per-user neighbour preparation is shared). Returns the neighbour counts; `neighbourCounts`, when
 * given, receives each dyad's number of neighbours.
 */
export function computeFeatures(
  state: ImplicitState,
  userIxs: Int32Array,
  itemIxs: Int32Array,
  opts: WtlOptions,
  out: Float64Array,
  neighbourCounts?: Int32Array,
): NeighbourCounts {
  const selector = new NeighbourSelector(state, opts);
  const k = opts.k;
  const win = new Float64Array(k);
  const loss = new Float64Array(k);
  const tie = new Float64Array(k);
  // Cumulative histograms, 8 per user: below(s) = cum[s], equal(s) = cum[s+1] − cum[s], n = cum[7].
  const nUsers = state.users.size;
  const cum = new Int32Array(nUsers * (IM_LEVELS + 1));
  for (let u = 0; u < nUsers; u++) {
    let acc = 0;
    for (let x = 0; x < IM_LEVELS; x++) {
      cum[u * (IM_LEVELS + 1) + x] = acc;
      acc += state.userHist[u * IM_LEVELS + x]!;
    }
    cum[u * (IM_LEVELS + 1) + IM_LEVELS] = acc;
  }
  const counts: NeighbourCounts = { fewerThanK: 0, noNeighbours: 0 };
  for (let i = 0; i < userIxs.length; i++) {
    const m = selector.select(userIxs[i]!, itemIxs[i]!);
    if (neighbourCounts) neighbourCounts[i] = m;
    if (m < k) counts.fewerThanK++;
    if (m === 0) counts.noNeighbours++;
    for (let j = 0; j < m; j++) {
      const s = selector.nbrIm[j]!;
      if (s < 0) {
        win[j] = 0;
        loss[j] = 0;
        tie[j] = 0;
        continue;
      }
      const base = selector.nbrUserIx[j]! * (IM_LEVELS + 1);
      const below = cum[base + s]!;
      const upTo = cum[base + s + 1]!;
      const equal = upTo - below;
      const above = cum[base + IM_LEVELS]! - upTo;
      const others = below + above + equal - 1;
      if (others === 0) {
        win[j] = 0;
        loss[j] = 0;
        tie[j] = 0;
      } else {
        win[j] = below / others;
        loss[j] = above / others;
        tie[j] = (equal - 1) / others;
      }
    }
    const offset = i * WTL_WIDTH;
    fiveStatistics(win, m, k, opts.spread, out, offset);
    fiveStatistics(loss, m, k, opts.spread, out, offset + 5);
    fiveStatistics(tie, m, k, opts.spread, out, offset + 10);
  }
  return counts;
}
