// Neighbour selection of method.md §3: for a dyad (u, o), the K users with the highest positive cosine
// similarity to u, among the users with an entry for o (`item`, Volkovs & Zemel 2012) or among all users
// (`global`, the authors' code), optionally leave-one-out (column o removed from both rows).
//
// Exactness. With a = value(u,o), b = value(v,o) (IM values, or 0/1 for `binary`), the similarity is
//   sim(u,v) = num / sqrt(du · dv),  num = dot(u,v) − a·b,  du = ‖u‖² − a²,  dv = ‖v‖² − b²
// (without leave-one-out, a·b, a², b² are dropped). For a given dyad, du is the same for every candidate,
// so candidates order by num²/dv, and num1²/dv1 > num2²/dv2 ⇔ num1²·dv2 > num2²·dv1, a comparison of
// integers. Each product is computed in doubles; a product of integers whose exact value is ≤ 2^53 − 1 is
// exact, and rounding is monotone, so when both computed products are ≤ Number.MAX_SAFE_INTEGER they are
// the exact values; otherwise (users with thousands of heavy entries) the comparison falls back to BigInt.
// Equal similarities order by the smaller external user id, so the choice never depends on dense indices.

import { invariant } from '../errors.js';
import { IM_OF_MASK, ImplicitState } from '../matrix/implicit-state.js';

/** Options of neighbour selection (method.md §3). */
export interface NeighbourOptions {
  k: number;
  similarity: 'weighted' | 'binary';
  neighbourhood: 'item' | 'global';
  leaveOneOut: boolean;
}

/** Whether candidate A (num, den, id) is strictly more similar than B, exactly; equal ones by smaller id. */
export function isBetter(numA: number, denA: number, idA: number, numB: number, denB: number, idB: number): boolean {
  const x = numA * numA * denB;
  const y = numB * numB * denA;
  if (x <= Number.MAX_SAFE_INTEGER && y <= Number.MAX_SAFE_INTEGER) {
    if (x !== y) return x > y;
  } else {
    const bx = BigInt(numA) * BigInt(numA) * BigInt(denB);
    const by = BigInt(numB) * BigInt(numB) * BigInt(denA);
    if (bx !== by) return bx > by;
  }
  return idA < idB;
}

/**
 * Selects neighbours from one state. Reuses typed-array scratch buffers: no allocation per dyad.
 * Calls for the same user in a row share the per-user preparation (the co-occurrence list), so callers
 * should group dyads by user. The state must not change while a selector is in use.
 */
export class NeighbourSelector {
  /** Selected neighbours of the last `select`, best first: dense user index. */
  readonly nbrUserIx: Int32Array;
  /** IM(v, o) of each selected neighbour, or -1 when v has no entry for o (`global` only). */
  readonly nbrIm: Int8Array;

  private readonly state: ImplicitState;
  private readonly opts: NeighbourOptions;
  private readonly k: number;
  private readonly userIds: Int32Array;
  private readonly norms: Int32Array;
  private readonly dots: Int32Array;
  // Per-user scratch: u's co-occurrence list, and dot(u, v) by v (0 = not co-occurring).
  private curUser = -1;
  private coCount = 0;
  private coUser: Int32Array;
  private coDot: Int32Array;
  private readonly dotOf: Int32Array;
  // Per-dyad scratch for `global`: IM(v, o) + 1 by v (0 = no entry).
  private readonly imPlusOneOf: Int8Array;
  // Bounded heap of the K best so far, worst at the root.
  private heapSize = 0;
  private readonly hUser: Int32Array;
  private readonly hId: Int32Array;
  private readonly hNum: Float64Array;
  private readonly hDen: Float64Array;
  private readonly hIm: Int8Array;

  constructor(state: ImplicitState, opts: NeighbourOptions) {
    invariant(Number.isInteger(opts.k) && opts.k >= 1 && opts.k <= 1 << 20, `k must be a positive integer, got ${opts.k}`);
    this.state = state;
    this.opts = opts;
    this.k = opts.k;
    const nUsers = state.users.size;
    this.userIds = state.users.ids();
    const binary = opts.similarity === 'binary';
    this.norms = binary ? state.userNormB : state.userNormW;
    this.dots = binary ? state.pairDotB : state.pairDotW;
    this.coUser = new Int32Array(64);
    this.coDot = new Int32Array(64);
    this.dotOf = new Int32Array(nUsers);
    this.imPlusOneOf = new Int8Array(opts.neighbourhood === 'global' ? nUsers : 0);
    this.nbrUserIx = new Int32Array(this.k);
    this.nbrIm = new Int8Array(this.k);
    this.hUser = new Int32Array(this.k);
    this.hId = new Int32Array(this.k);
    this.hNum = new Float64Array(this.k);
    this.hDen = new Float64Array(this.k);
    this.hIm = new Int8Array(this.k);
  }

  private prepareUser(u: number): void {
    if (u === this.curUser) return;
    const dotOf = this.dotOf;
    for (let i = 0; i < this.coCount; i++) dotOf[this.coUser[i]!] = 0;
    this.curUser = u;
    const st = this.state;
    const n = st.userPairCount[u]!;
    if (n > this.coUser.length) {
      let cap = this.coUser.length;
      while (cap < n) cap *= 2;
      this.coUser = new Int32Array(cap);
      this.coDot = new Int32Array(cap);
    }
    let i = 0;
    for (let p = st.userPairHead[u]!; p >= 0; p = st.pairNext[p]!) {
      const v = st.pairOtherIx[p]!;
      const d = this.dots[p]!;
      this.coUser[i] = v;
      this.coDot[i] = d;
      dotOf[v] = d;
      i++;
    }
    this.coCount = i;
  }

  /**
   * Selects the neighbours of the dyad (userIx, itemIx) in the state; itemIx may be -1 (item not in the
   * state). Returns their number m ≤ K; `nbrUserIx[0..m)` and `nbrIm[0..m)` hold them, best first.
   */
  select(userIx: number, itemIx: number): number {
    this.heapSize = 0;
    if (userIx < 0) return 0;
    const st = this.state;
    this.prepareUser(userIx);
    if (this.coCount === 0) return 0;
    const binary = this.opts.similarity === 'binary';
    const loo = this.opts.leaveOneOut;
    let aIm = 0;
    let entryU = -1;
    if (itemIx >= 0) {
      entryU = st.entryOf(userIx, itemIx);
      if (entryU >= 0) aIm = IM_OF_MASK[st.entryTypes[entryU]!]!;
    }
    const a = loo ? (binary ? (aIm > 0 ? 1 : 0) : aIm) : 0;
    // du is common to all candidates (see the header); only its positivity matters.
    if (this.norms[userIx]! - a * a <= 0) return 0;
    const norms = this.norms;

    if (this.opts.neighbourhood === 'item') {
      if (itemIx < 0) return 0;
      if (st.itemUserCount[itemIx]! <= this.coCount) {
        const dotOf = this.dotOf;
        for (let f = st.itemHead[itemIx]!; f >= 0; f = st.entryNextInItem[f]!) {
          const v = st.entryUserIx[f]!;
          const dot = dotOf[v]!;
          if (dot === 0 || v === userIx) continue;
          const s = IM_OF_MASK[st.entryTypes[f]!]!;
          const b = loo ? (binary ? (s > 0 ? 1 : 0) : s) : 0;
          this.offer(v, dot - a * b, norms[v]! - b * b, s);
        }
      } else {
        for (let i = 0; i < this.coCount; i++) {
          const v = this.coUser[i]!;
          const f = st.entryOf(v, itemIx);
          if (f < 0) continue;
          const s = IM_OF_MASK[st.entryTypes[f]!]!;
          const b = loo ? (binary ? (s > 0 ? 1 : 0) : s) : 0;
          this.offer(v, this.coDot[i]! - a * b, norms[v]! - b * b, s);
        }
      }
    } else {
      const mark = this.imPlusOneOf;
      if (itemIx >= 0) {
        for (let f = st.itemHead[itemIx]!; f >= 0; f = st.entryNextInItem[f]!) {
          mark[st.entryUserIx[f]!] = IM_OF_MASK[st.entryTypes[f]!]! + 1;
        }
      }
      for (let i = 0; i < this.coCount; i++) {
        const v = this.coUser[i]!;
        const s = mark[v]! - 1;
        const b = loo && s > 0 ? (binary ? 1 : s) : 0;
        this.offer(v, this.coDot[i]! - a * b, norms[v]! - b * b, s);
      }
      if (itemIx >= 0) {
        for (let f = st.itemHead[itemIx]!; f >= 0; f = st.entryNextInItem[f]!) mark[st.entryUserIx[f]!] = 0;
      }
    }
    return this.drain();
  }

  /** Offers candidate v with similarity num/sqrt(den) (times a common factor) to the bounded heap. */
  private offer(v: number, num: number, den: number, im: number): void {
    if (num <= 0 || den <= 0) return;
    const id = this.userIds[v]!;
    const hUser = this.hUser;
    const hId = this.hId;
    const hNum = this.hNum;
    const hDen = this.hDen;
    const hIm = this.hIm;
    if (this.heapSize < this.k) {
      // Sift up: the root is the worst kept candidate.
      let i = this.heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!isBetter(hNum[parent]!, hDen[parent]!, hId[parent]!, num, den, id)) break;
        hUser[i] = hUser[parent]!;
        hId[i] = hId[parent]!;
        hNum[i] = hNum[parent]!;
        hDen[i] = hDen[parent]!;
        hIm[i] = hIm[parent]!;
        i = parent;
      }
      hUser[i] = v;
      hId[i] = id;
      hNum[i] = num;
      hDen[i] = den;
      hIm[i] = im;
      return;
    }
    if (!isBetter(num, den, id, hNum[0]!, hDen[0]!, hId[0]!)) return;
    this.siftDown(0, v, id, num, den, im, this.heapSize);
  }

  /** Places (v, ...) at hole i and sifts it down within the first n heap slots. */
  private siftDown(hole: number, v: number, id: number, num: number, den: number, im: number, n: number): void {
    const hUser = this.hUser;
    const hId = this.hId;
    const hNum = this.hNum;
    const hDen = this.hDen;
    const hIm = this.hIm;
    let i = hole;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let w = l; // the worse child
      const r = l + 1;
      if (r < n && isBetter(hNum[l]!, hDen[l]!, hId[l]!, hNum[r]!, hDen[r]!, hId[r]!)) w = r;
      if (!isBetter(num, den, id, hNum[w]!, hDen[w]!, hId[w]!)) break;
      hUser[i] = hUser[w]!;
      hId[i] = hId[w]!;
      hNum[i] = hNum[w]!;
      hDen[i] = hDen[w]!;
      hIm[i] = hIm[w]!;
      i = w;
    }
    hUser[i] = v;
    hId[i] = id;
    hNum[i] = num;
    hDen[i] = den;
    hIm[i] = im;
  }

  /** Empties the heap into nbrUserIx/nbrIm, best first (repeatedly removing the worst); returns m. */
  private drain(): number {
    const m = this.heapSize;
    for (let n = m; n > 0; n--) {
      this.nbrUserIx[n - 1] = this.hUser[0]!;
      this.nbrIm[n - 1] = this.hIm[0]!;
      const last = n - 1;
      if (last > 0) this.siftDown(0, this.hUser[last]!, this.hId[last]!, this.hNum[last]!, this.hDen[last]!, this.hIm[last]!, last);
    }
    this.heapSize = 0;
    return m;
  }
}
