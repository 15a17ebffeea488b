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
// For speed, candidates first compare by the double key num²/dv (relative error < 2^-50); only keys within
// a relative 1e-9 of each other go to the exact comparison, so the order is the exact one.
//
// Global neighbourhood (a per-user shortcut): without leave-one-out the neighbours of u are the same for
// every item, and with it only the users C with a positive entry for o change similarity (b = 0 leaves num
// and dv as they are). Each user's co-occurrence list is therefore ranked once (its best T = 3K); a dyad
// merges the ranked users outside C (already in order) with the re-scored members of C (sorted, at most K)
// and keeps the first K. The result equals the full scan; when the ranked prefix runs out before the K-th
// neighbour is settled, it scans all.
//
// The state is read in place (issue 11): u's pair row (other users with both dots packed), the item's user
// row (positive users first) and the entry rows; a selector costs O(users) to build, so one serves a whole
// window's dyads in any number of slices. Nothing is cached across windows: the per-user preparation and
// ranking depend on the norms of every co-user, which any fold may change, and a window computes each user's
// dyads once anyway; what used to be rebuilt per selector (the item lists, O(entries)) the state now keeps.

import { invariant } from '../errors.js';
import { IM_OF_MASK, ImplicitState } from '../matrix/implicit-state.js';
import { ESCAPE } from '../matrix/pair-slab.js';

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

const NEAR = 1e-9;

/** isBetter with the double keys num²/den tried first (see the header). */
function isBetterKeyed(keyA: number, numA: number, denA: number, idA: number, keyB: number, numB: number, denB: number, idB: number): boolean {
  const diff = keyA - keyB;
  if (diff > NEAR * keyB) return true;
  if (-diff > NEAR * keyA) return false;
  return isBetter(numA, denA, idA, numB, denB, idB);
}

/**
 * Selects neighbours from one state. Reuses typed-array scratch buffers: no allocation per dyad.
 * Calls for the same user in a row share the per-user preparation (the co-occurrence list), so callers
 * should group dyads by user. Building one costs O(users) (it reads the state's rows in place, item lists
 * included), so one selector serves a whole window, across slices of its dyads. The state must not change
 * while a selector is in use (checked: `select` throws on a state folded since the selector was built).
 */
export class NeighbourSelector {
  /** Selected neighbours of the last `select`, best first: dense user index. */
  readonly nbrUserIx: Int32Array;
  /** IM(v, o) of each selected neighbour, or -1 when v has no entry for o (`global` only). */
  readonly nbrIm: Int8Array;

  private readonly state: ImplicitState;
  private readonly k: number;
  private readonly binary: boolean;
  private readonly loo: boolean;
  private readonly global: boolean;
  private readonly userIds: Int32Array;
  private readonly norms: Int32Array;
  private readonly version: number;
  /**
   * Work done so far, for slicing: candidates scanned, weighted by their cost relative to one unit of the
   * batch fold (a few ns), plus a fixed cost per dyad, so one budget bounds time in both.
   */
  work = 0;
  // Per-user scratch: u's co-occurrence list, and dot(u, v) by v (0 = not co-occurring).
  private curUser = -1;
  private coCount = 0;
  private coUser: Int32Array;
  private coDot: Int32Array;
  private readonly dotOf: Int32Array;
  /** Bit v set when v co-occurs with the current user: an L1-sized filter before dotOf (random in a larger array). */
  private readonly coBits: Int32Array;
  // Global: u's best co-occurring users in exact order (prefix of length rankedCount).
  private rankedCount = 0;
  private readonly rankedUser: Int32Array;
  private readonly rankedDot: Int32Array;
  private readonly rankedKey: Float64Array;
  // Global, leave-one-out: the best K re-scored members of C, sorted best first.
  private readonly cUser: Int32Array;
  private readonly cId: Int32Array;
  private readonly cKey: Float64Array;
  private readonly cNum: Float64Array;
  private readonly cDen: Float64Array;
  private readonly cIm: Int8Array;
  // Per-dyad scratch for `global`: IM(v, o) + 1 by v (0 = no entry).
  private readonly imPlusOneOf: Int8Array;
  // Bounded heap of the best so far, worst at the root.
  private heapSize = 0;
  private heapCap: number;
  private readonly hUser: Int32Array;
  private readonly hId: Int32Array;
  private readonly hKey: Float64Array;
  private readonly hNum: Float64Array;
  private readonly hDen: Float64Array;
  private readonly hIm: Int8Array;

  constructor(state: ImplicitState, opts: NeighbourOptions) {
    invariant(Number.isInteger(opts.k) && opts.k >= 1 && opts.k <= 1 << 20, `k must be a positive integer, got ${opts.k}`);
    invariant(state.tracksPairs, 'neighbour selection needs a state that keeps dot products');
    this.state = state;
    this.k = opts.k;
    this.binary = opts.similarity === 'binary';
    this.loo = opts.leaveOneOut;
    this.global = opts.neighbourhood === 'global';
    const nUsers = state.users.size;
    this.userIds = state.users.ids();
    this.norms = this.binary ? state.userNormB : state.userNormW;
    this.version = state.version;
    this.coUser = new Int32Array(64);
    this.coDot = new Int32Array(64);
    this.dotOf = new Int32Array(nUsers);
    this.coBits = new Int32Array((nUsers >>> 5) + 1);
    this.imPlusOneOf = new Int8Array(this.global ? nUsers : 0);
    this.nbrUserIx = new Int32Array(this.k);
    this.nbrIm = new Int8Array(this.k);
    const ranked = this.global ? 3 * this.k : 0;
    this.rankedUser = new Int32Array(ranked);
    this.rankedDot = new Int32Array(ranked);
    this.rankedKey = new Float64Array(ranked);
    const cCap = this.global ? this.k : 0;
    this.cUser = new Int32Array(cCap);
    this.cId = new Int32Array(cCap);
    this.cKey = new Float64Array(cCap);
    this.cNum = new Float64Array(cCap);
    this.cDen = new Float64Array(cCap);
    this.cIm = new Int8Array(cCap);
    const cap = Math.max(this.k, ranked);
    this.heapCap = this.k;
    this.hUser = new Int32Array(cap);
    this.hId = new Int32Array(cap);
    this.hKey = new Float64Array(cap);
    this.hNum = new Float64Array(cap);
    this.hDen = new Float64Array(cap);
    this.hIm = new Int8Array(cap);

  }

  private prepareUser(u: number): void {
    if (u === this.curUser) return;
    const dotOf = this.dotOf;
    const coBits = this.coBits;
    for (let i = 0; i < this.coCount; i++) {
      const v = this.coUser[i]!;
      dotOf[v] = 0;
      coBits[v >>> 5] = 0;
    }
    this.curUser = u;
    const pairs = this.state.pairs;
    const n = pairs.rowLen[u]!;
    if (n > this.coUser.length) {
      let cap = this.coUser.length;
      while (cap < n) cap *= 2;
      this.coUser = new Int32Array(cap);
      this.coDot = new Int32Array(cap);
    }
    // u's row: other users (unsorted), dots packed (weighted << 16 | binary) or escaped (pair-slab.ts).
    const slots = pairs.slots[pairs.rowSeg[u]!]!;
    const at = 2 * pairs.rowOff[u]!;
    const coUser = this.coUser;
    const coDot = this.coDot;
    const binary = this.binary;
    for (let i = 0; i < n; i++) {
      const v = slots[at + 2 * i]!;
      const packed = slots[at + 2 * i + 1]!;
      const d = packed === ESCAPE ? (binary ? pairs.binary(u, v, packed) : pairs.weighted(u, v, packed)) : binary ? packed & 0xffff : packed >>> 16;
      coUser[i] = v;
      coDot[i] = d;
      dotOf[v] = d;
      coBits[v >>> 5]! |= 1 << (v & 31);
    }
    this.coCount = n;
    this.work += this.global ? 6 * n : 2 * n;
    if (this.global) this.rankUser();
  }

  /** Global: the best T co-occurring users of the current user without leave-one-out, best first. */
  private rankUser(): void {
    this.heapSize = 0;
    this.heapCap = this.rankedUser.length;
    const norms = this.norms;
    for (let i = 0; i < this.coCount; i++) {
      const v = this.coUser[i]!;
      this.offer(v, this.coDot[i]!, norms[v]!, 0);
    }
    const m = this.heapSize;
    for (let n = m; n > 0; n--) {
      this.rankedUser[n - 1] = this.hUser[0]!;
      this.rankedDot[n - 1] = this.hNum[0]!;
      this.rankedKey[n - 1] = this.hKey[0]!;
      this.popRoot(n);
    }
    this.rankedCount = m;
    this.heapSize = 0;
    this.heapCap = this.k;
  }

  /**
   * Selects the neighbours of the dyad (userIx, itemIx) in the state; itemIx may be -1 (item not in the
   * state). Returns their number m ≤ K; `nbrUserIx[0..m)` and `nbrIm[0..m)` hold them, best first.
   */
  select(userIx: number, itemIx: number): number {
    invariant(this.state.version === this.version, 'the state changed since this selector was built');
    this.work += 100;
    this.heapSize = 0;
    if (userIx < 0) return 0;
    const st = this.state;
    this.prepareUser(userIx);
    if (this.coCount === 0) return 0;
    const binary = this.binary;
    const loo = this.loo;
    let aIm = 0;
    if (itemIx >= 0) {
      const entryU = st.entryOf(userIx, itemIx);
      if (entryU >= 0) aIm = IM_OF_MASK[st.entryTypes[entryU]!]!;
    }
    const a = loo ? (binary ? (aIm > 0 ? 1 : 0) : aIm) : 0;
    // du is common to all candidates (see the header); only its positivity matters.
    if (this.norms[userIx]! - a * a <= 0) return 0;
    if (this.global) return this.selectGlobal(itemIx, a);
    if (itemIx >= 0) this.selectItem(itemIx, a);
    return this.drain();
  }

  private selectItem(itemIx: number, a: number): void {
    const st = this.state;
    const norms = this.norms;
    const binary = this.binary;
    const loo = this.loo;
    const rows = st.itemUsers;
    const start = rows.rowOff[itemIx]!;
    const end = start + rows.rowLen[itemIx]!;
    // The contiguous item list costs a few ns per user, a binary search of the co-occurrence path ~10×.
    if (end - start <= 8 * this.coCount) {
      this.work += 2 * (end - start);
      const dotOf = this.dotOf;
      const coBits = this.coBits;
      const users = rows.user[rows.rowSeg[itemIx]!]!;
      const ims = rows.im[rows.rowSeg[itemIx]!]!;
      for (let j = start; j < end; j++) {
        const v = users[j]!;
        if ((coBits[v >>> 5]! & (1 << (v & 31))) === 0) continue; // also skips u itself: no pair with itself
        const dot = dotOf[v]!;
        const s = ims[j]!;
        const b = loo ? (binary ? (s > 0 ? 1 : 0) : s) : 0;
        this.offer(v, dot - a * b, norms[v]! - b * b, s);
      }
    } else {
      this.work += 16 * this.coCount;
      for (let i = 0; i < this.coCount; i++) {
        const v = this.coUser[i]!;
        const f = st.entryOf(v, itemIx);
        if (f < 0) continue;
        const s = IM_OF_MASK[st.entryTypes[f]!]!;
        const b = loo ? (binary ? (s > 0 ? 1 : 0) : s) : 0;
        this.offer(v, this.coDot[i]! - a * b, norms[v]! - b * b, s);
      }
    }
  }

  /** Global neighbourhood: merge of the ranked users outside C with the re-scored members of C (see the header). */
  private selectGlobal(itemIx: number, a: number): number {
    const norms = this.norms;
    const binary = this.binary;
    const loo = this.loo;
    const k = this.k;
    const mark = this.imPlusOneOf;
    const rows = this.state.itemUsers;
    const start = itemIx >= 0 ? rows.rowOff[itemIx]! : 0;
    const end = itemIx >= 0 ? start + rows.rowLen[itemIx]! : 0;
    const users = rows.user[itemIx >= 0 ? rows.rowSeg[itemIx]! : 0]!;
    const ims = rows.im[itemIx >= 0 ? rows.rowSeg[itemIx]! : 0]!;
    this.work += 3 * (end - start);
    for (let j = start; j < end; j++) mark[users[j]!] = ims[j]! + 1;
    // Members of C re-scored without column o, kept sorted best first, at most K of them.
    let nc = 0;
    if (loo) {
      const dotOf = this.dotOf;
      const cKey = this.cKey;
      const cNum = this.cNum;
      const cDen = this.cDen;
      const cId = this.cId;
      const cUser = this.cUser;
      const cIm = this.cIm;
      // The item's positive users come first in its row (implicit-state.ts).
      const positiveEnd = start + (itemIx >= 0 ? this.state.itemPositiveCount[itemIx]! : 0);
      for (let j = start; j < positiveEnd; j++) {
        const s = ims[j]!;
        const v = users[j]!;
        const dot = dotOf[v]!;
        if (dot === 0) continue;
        const b = binary ? 1 : s;
        const num = dot - a * b;
        const den = norms[v]! - b * b;
        if (num <= 0 || den <= 0) continue;
        const key = (num * num) / den;
        const id = this.userIds[v]!;
        if (nc === k && !isBetterKeyed(key, num, den, id, cKey[k - 1]!, cNum[k - 1]!, cDen[k - 1]!, cId[k - 1]!)) continue;
        let i = nc < k ? nc++ : k - 1;
        while (i > 0 && isBetterKeyed(key, num, den, id, cKey[i - 1]!, cNum[i - 1]!, cDen[i - 1]!, cId[i - 1]!)) {
          cKey[i] = cKey[i - 1]!;
          cNum[i] = cNum[i - 1]!;
          cDen[i] = cDen[i - 1]!;
          cId[i] = cId[i - 1]!;
          cUser[i] = cUser[i - 1]!;
          cIm[i] = cIm[i - 1]!;
          i--;
        }
        cKey[i] = key;
        cNum[i] = num;
        cDen[i] = den;
        cId[i] = id;
        cUser[i] = v;
        cIm[i] = s;
      }
    }
    // Merge with the ranked users outside C (their similarity is unchanged, their order known).
    let m = 0;
    let r = 0;
    let ci = 0;
    let complete = true;
    const rankedUser = this.rankedUser;
    while (m < k) {
      if (loo) while (r < this.rankedCount && mark[rankedUser[r]!]! > 1) r++;
      const haveA = r < this.rankedCount;
      if (!haveA && this.rankedCount < this.coCount) {
        complete = false; // unranked users might come next
        break;
      }
      const haveB = ci < nc;
      if (!haveA && !haveB) break;
      if (
        haveA &&
        (!haveB ||
          isBetterKeyed(this.rankedKey[r]!, this.rankedDot[r]!, norms[rankedUser[r]!]!, this.userIds[rankedUser[r]!]!, this.cKey[ci]!, this.cNum[ci]!, this.cDen[ci]!, this.cId[ci]!))
      ) {
        const v = rankedUser[r++]!;
        this.nbrUserIx[m] = v;
        this.nbrIm[m++] = mark[v]! - 1;
      } else {
        this.nbrUserIx[m] = this.cUser[ci]!;
        this.nbrIm[m++] = this.cIm[ci++]!;
      }
    }
    if (!complete) {
      // The ranked prefix ran out: scan everyone (the same result, the slow way).
      this.heapSize = 0;
      for (let i = 0; i < this.coCount; i++) {
        const v = this.coUser[i]!;
        const s = mark[v]! - 1;
        const b = loo && s > 0 ? (binary ? 1 : s) : 0;
        this.offer(v, this.coDot[i]! - a * b, norms[v]! - b * b, s);
      }
      m = this.drain();
    }
    for (let j = start; j < end; j++) mark[users[j]!] = 0;
    return m;
  }

  /** Offers candidate v with similarity num/sqrt(den) (times a common factor) to the bounded heap. */
  private offer(v: number, num: number, den: number, im: number): void {
    if (num <= 0 || den <= 0) return;
    const hKey = this.hKey;
    const full = this.heapSize >= this.heapCap;
    // Fast reject without a division: clearly worse than the worst kept (num²/den < key₀·(1 − NEAR)).
    if (full && num * num < hKey[0]! * (1 - NEAR) * den) return;
    const key = (num * num) / den;
    const id = this.userIds[v]!;
    if (!full) {
      const hUser = this.hUser;
      const hId = this.hId;
      const hNum = this.hNum;
      const hDen = this.hDen;
      const hIm = this.hIm;
      // Sift up: the root is the worst kept candidate.
      let i = this.heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!isBetterKeyed(hKey[parent]!, hNum[parent]!, hDen[parent]!, hId[parent]!, key, num, den, id)) break;
        hUser[i] = hUser[parent]!;
        hId[i] = hId[parent]!;
        hKey[i] = hKey[parent]!;
        hNum[i] = hNum[parent]!;
        hDen[i] = hDen[parent]!;
        hIm[i] = hIm[parent]!;
        i = parent;
      }
      hUser[i] = v;
      hId[i] = id;
      hKey[i] = key;
      hNum[i] = num;
      hDen[i] = den;
      hIm[i] = im;
      return;
    }
    if (!isBetterKeyed(key, num, den, id, hKey[0]!, this.hNum[0]!, this.hDen[0]!, this.hId[0]!)) return;
    this.siftDown(0, v, id, key, num, den, im, this.heapSize);
  }

  /** Places (v, ...) at hole i and sifts it down within the first n heap slots. */
  private siftDown(hole: number, v: number, id: number, key: number, num: number, den: number, im: number, n: number): void {
    const hUser = this.hUser;
    const hId = this.hId;
    const hKey = this.hKey;
    const hNum = this.hNum;
    const hDen = this.hDen;
    const hIm = this.hIm;
    let i = hole;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let w = l; // the worse child
      const r = l + 1;
      if (r < n && isBetterKeyed(hKey[l]!, hNum[l]!, hDen[l]!, hId[l]!, hKey[r]!, hNum[r]!, hDen[r]!, hId[r]!)) w = r;
      if (!isBetterKeyed(key, num, den, id, hKey[w]!, hNum[w]!, hDen[w]!, hId[w]!)) break;
      hUser[i] = hUser[w]!;
      hId[i] = hId[w]!;
      hKey[i] = hKey[w]!;
      hNum[i] = hNum[w]!;
      hDen[i] = hDen[w]!;
      hIm[i] = hIm[w]!;
      i = w;
    }
    hUser[i] = v;
    hId[i] = id;
    hKey[i] = key;
    hNum[i] = num;
    hDen[i] = den;
    hIm[i] = im;
  }

  /** Removes the root of a heap of n elements (moves the last one down from the root). */
  private popRoot(n: number): void {
    const last = n - 1;
    if (last > 0) {
      this.siftDown(0, this.hUser[last]!, this.hId[last]!, this.hKey[last]!, this.hNum[last]!, this.hDen[last]!, this.hIm[last]!, last);
    }
  }

  /** Empties the heap into nbrUserIx/nbrIm, best first (repeatedly removing the worst); returns m. */
  private drain(): number {
    const m = this.heapSize;
    for (let n = m; n > 0; n--) {
      this.nbrUserIx[n - 1] = this.hUser[0]!;
      this.nbrIm[n - 1] = this.hIm[0]!;
      this.popRoot(n);
    }
    this.heapSize = 0;
    return m;
  }


}
