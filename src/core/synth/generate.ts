// The synthetic RecSys 2016-shaped generator (issue 2, item 5). Pure: all randomness comes from
// Rng.fromSeed(seed) consumed in a fixed order, or from hash32(seed, ...) for per-entity profile fields,
// so the same preset and seed give the same records in the same order.
//
// Latent structure (the "known truth" models can learn):
// - Disciplines d = 1..D have centroids c_d ~ N(0, 0.8²·I) in R^8. A user or item of discipline d has latent
//   factors f = c_d + N(0, 0.6²·I). Disciplines have Zipf-like sizes (weight ∝ 1/√rank).
// - Profiles are correlated with the factors: career_level from f[0] (8% unknown), industry from the
//   discipline and the sign of f[1] (15% random), region (Germany only) from f[2], edu_degree from f[3];
//   experience classes follow career level. Items: employment (interns for low career levels),
//   active_during_test more likely for live items. Countries: de 80-85%, at, ch, non_dach.
// - Item popularity z_i ~ N(0, 1), weight exp(1.5·z_i): impressions and candidates are drawn by it.
// - Affinity a(u,i) = 0.5·⟨f_u, f_i⟩/√8 + 0.5·[career levels within 1] + 0.3·[same industry]
//   + 0.2·[same region] + 0.4·z_i.
// - Core (heavy) users: a target of distinct interacted items t_u = min + Exp(mean). Their live shown items
//   (≈ displayedMean·(t_u/mean t)^0.8 × log-normal noise, σ 0.45) come a share ownDisciplineShare (0.7 daemon,
//   0.6 tiny) from their discipline, the rest by global popularity, plus a share of long-tail items; each item is shown in a random active week (some again
//   in a second week). A shown item is clicked with probability σ(α_u + 1.5·a(u,i)), α_u solved so the expected
//   clicks are shownClickShare·t_u:
//   the user's activity sets how many, the affinity which. The other interacted items were not shown (the
//   paper's dyads/user 137.7 > displayed 115): the best of 3× as many candidates by 1.5·a(u,i) + Gumbel noise.
// - A clicked item is also bookmarked / replied with probability rate·b_u·2σ(1.5·(a − mean a of the user's
//   clicks)), b_u a per-user log-normal propensity: correlated with clicks and the shared factors. A few
//   replies and bookmarks come without a click (so the implicit matrix takes every value 0..6).
// - Light users (< 30 items, removed by the 30/30 subsampling) interact with live items, mostly uniformly,
//   which lifts most live items over 30 interacting users (the rarest fail); long-tail items get few and are
//   removed. Impression-only users have impressions and no interaction. Core users' deletes (type 4) hit shown, unclicked
//   items; light users' deletes hit any item of the catalogue.
// - Time: ISO weeks from 2015-W34; impressions at the Monday 00:00 UTC of their week (method.md §5a), clicks
//   on a shown item within that week, bookmarks and replies after the click.
import { HASH_TAG, hash32 } from '../random/hash.js';
import { Rng } from '../random/rng.js';
import { isoWeekStartS, isoYearWeek } from '../time/iso-week.js';
import { invariant } from '../errors.js';
import { AliasTable } from './alias.js';
import { SYNTH_PRESETS, type SynthPresetName, type SynthPresetParams } from './presets.js';
import type { SynthRecord, SynthSink, SynthSummary } from './rows.js';
import { SYNTH_TRUTH_FORMAT_VERSION, type SynthTruth } from './truth.js';

/** Dimension of the latent factors of users and items. */
export const SYNTH_LATENT_DIM = 8;
const WEEK_S = 7 * 86400;
const FIRST_YEAR = 2015;
const FIRST_WEEK = 34;
const CLICK_STRENGTH = 1.5; // κ in σ(α_u + κ·a)
const EXTRA_STRENGTH = 1.5; // γ in the bookmark / reply probabilities
const NOISE_CLICK_FACTOR = 0.5; // a shown long-tail item is clicked with 0.5·σ(α_u + κ·a)
/** Weights of the affinity a(u, i) (file comment); the truth file carries them so the oracle reads them there. */
export const AFFINITY_WEIGHTS = Object.freeze({ dot: 0.5, career: 0.5, industry: 0.3, region: 0.2, popularity: 0.4 });

const KIND_CORE = 0;
const KIND_LIGHT = 1;
const KIND_IMPRESSION_ONLY = 2;
const COUNTRIES = ['de', 'at', 'ch', 'non_dach'] as const;

/** A growable Int32 column. */
class IntColumn {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Per-entity profile word from the hash stream (no Rng draw: emission order does not matter). */
function h(seed: number, tag: number, ix: number, field: number): number {
  return hash32(seed, tag, ix, field);
}

/** The world of one preset: entities, their factors and profiles, and every event, held in typed arrays. */
interface World {
  p: SynthPresetParams;
  seed: number;
  spanStartS: number;
  spanEndS: number;
  userCount: number;
  userKind: Uint8Array;
  userDisc: Uint8Array;
  userCareer: Uint8Array;
  userIndustry: Uint8Array;
  userCountry: Uint8Array;
  userRegion: Uint8Array;
  userF: Float32Array;
  itemCount: number;
  itemLive: Uint8Array;
  itemDisc: Uint8Array;
  itemCareer: Uint8Array;
  itemIndustry: Uint8Array;
  itemCountry: Uint8Array;
  itemRegion: Uint8Array;
  itemF: Float32Array;
  itemPopZ: Float32Array;
  // The truth of core users (kept for the truth file, never read by the features): click bias α_u, bookmark
  // and reply propensities b_u, and the mean affinity of the user's clicks.
  userClickBias: Float64Array;
  userBookmarkPropensity: Float64Array;
  userReplyPropensity: Float64Array;
  userMeanClickedAffinity: Float64Array;
  // Events. Interactions: user ix, item ix, type, seconds since spanStartS.
  iUser: IntColumn;
  iItem: IntColumn;
  iType: IntColumn;
  iOffsetS: IntColumn;
  // Impression lines: user ix, week index, start and length in `linePool` (item ixs).
  lUser: IntColumn;
  lWeek: IntColumn;
  lStart: IntColumn;
  lLen: IntColumn;
  linePool: IntColumn;
}

/** External user id of dense index ix: strictly increasing and sparse, so ids never equal indices. */
function userIdOf(seed: number, ix: number): number {
  return ix * 3 + 1 + (h(seed, HASH_TAG.synthUser, ix, 0) % 3);
}

/** External item id of dense index ix: strictly increasing and sparse. */
function itemIdOf(seed: number, ix: number): number {
  return ix * 2 + 100001 + (h(seed, HASH_TAG.synthItem, ix, 0) % 2);
}

function shuffledKinds(rng: Rng, counts: readonly number[]): Uint8Array {
  const total = counts.reduce((a, b) => a + b, 0);
  const kinds = new Uint8Array(total);
  let k = 0;
  counts.forEach((c, kind) => kinds.fill(kind, k, (k += c)));
  for (let i = total - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = kinds[i]!;
    kinds[i] = kinds[j]!;
    kinds[j] = t;
  }
  return kinds;
}

function careerFrom(rng: Rng, f0: number): number {
  if (rng.nextFloat() < 0.08) return 0;
  return Math.min(6, Math.max(1, 1 + Math.floor((f0 + 2) * 1.4)));
}

function countryFrom(rng: Rng, deShare: number): number {
  const x = rng.nextFloat();
  if (x < deShare) return 0;
  if (x < deShare + (1 - deShare) * 0.4) return 1;
  if (x < deShare + (1 - deShare) * 0.75) return 2;
  return 3;
}

function regionFrom(country: number, f2: number): number {
  return country === 0 ? Math.min(16, Math.max(1, 1 + Math.floor(((f2 + 2.5) / 5) * 16))) : 0;
}

function buildWorld(p: SynthPresetParams, seed: number): World {
  const rng = Rng.fromSeed(seed);
  const D = p.disciplines;
  const K = SYNTH_LATENT_DIM;
  const centroids = new Float64Array(D * K);
  for (let i = 0; i < centroids.length; i++) centroids[i] = 0.8 * rng.nextNormal();
  const discWeights = new Float64Array(D);
  for (let d = 0; d < D; d++) discWeights[d] = 1 / Math.sqrt(d + 1);
  const discAlias = new AliasTable(discWeights);

  const userKind = shuffledKinds(rng, [p.coreUsers, p.lightUsers, p.impressionOnlyUsers]);
  const userCount = userKind.length;
  const userDisc = new Uint8Array(userCount);
  const userCareer = new Uint8Array(userCount);
  const userIndustry = new Uint8Array(userCount);
  const userCountry = new Uint8Array(userCount);
  const userRegion = new Uint8Array(userCount);
  const userF = new Float32Array(userCount * K);
  const entity = (
    n: number,
    disc: Uint8Array,
    f: Float32Array,
    career: Uint8Array,
    industry: Uint8Array,
    country: Uint8Array,
    region: Uint8Array,
    deShare: number,
  ): void => {
    for (let x = 0; x < n; x++) {
      const d = discAlias.sample(rng);
      disc[x] = d;
      for (let k = 0; k < K; k++) f[x * K + k] = centroids[d * K + k]! + 0.6 * rng.nextNormal();
      career[x] = careerFrom(rng, f[x * K]!);
      const randomIndustry = rng.nextFloat() < 0.15;
      industry[x] = randomIndustry ? rng.nextInt(p.industries) : (d * 2 + (f[x * K + 1]! > 0 ? 1 : 0)) % p.industries;
      country[x] = countryFrom(rng, deShare);
      region[x] = regionFrom(country[x]!, f[x * K + 2]!);
    }
  };
  entity(userCount, userDisc, userF, userCareer, userIndustry, userCountry, userRegion, 0.8);

  const itemLive = shuffledKinds(rng, [p.noiseItems, p.liveItems]); // 1 = live
  const itemCount = itemLive.length;
  const itemDisc = new Uint8Array(itemCount);
  const itemCareer = new Uint8Array(itemCount);
  const itemIndustry = new Uint8Array(itemCount);
  const itemCountry = new Uint8Array(itemCount);
  const itemRegion = new Uint8Array(itemCount);
  const itemF = new Float32Array(itemCount * K);
  entity(itemCount, itemDisc, itemF, itemCareer, itemIndustry, itemCountry, itemRegion, 0.85);
  const itemPopZ = new Float32Array(itemCount);
  for (let i = 0; i < itemCount; i++) itemPopZ[i] = rng.nextNormal();

  const spanStartS = isoWeekStartS(FIRST_YEAR, FIRST_WEEK);
  const w: World = {
    p,
    seed,
    spanStartS,
    spanEndS: spanStartS + p.weeks * WEEK_S,
    userCount,
    userKind,
    userDisc,
    userCareer,
    userIndustry,
    userCountry,
    userRegion,
    userF,
    itemCount,
    itemLive,
    itemDisc,
    itemCareer,
    itemIndustry,
    itemCountry,
    itemRegion,
    itemF,
    itemPopZ,
    userClickBias: new Float64Array(userCount),
    userBookmarkPropensity: new Float64Array(userCount),
    userReplyPropensity: new Float64Array(userCount),
    userMeanClickedAffinity: new Float64Array(userCount),
    iUser: new IntColumn(1 << 16),
    iItem: new IntColumn(1 << 16),
    iType: new IntColumn(1 << 16),
    iOffsetS: new IntColumn(1 << 16),
    lUser: new IntColumn(1 << 12),
    lWeek: new IntColumn(1 << 12),
    lStart: new IntColumn(1 << 12),
    lLen: new IntColumn(1 << 12),
    linePool: new IntColumn(1 << 16),
  };
  generateEvents(w, rng);
  return w;
}

/** Item samplers: live items by discipline and popularity, globally by popularity, uniformly; long tail likewise. */
interface Pools {
  live: Int32Array;
  noise: Int32Array;
  liveByDisc: Int32Array[];
  discAlias: (AliasTable | null)[];
  liveAlias: AliasTable;
  noiseAlias: AliasTable | null;
}

function buildPools(w: World): Pools {
  const live: number[] = [];
  const noise: number[] = [];
  const byDisc: number[][] = Array.from({ length: w.p.disciplines }, () => []);
  for (let i = 0; i < w.itemCount; i++) {
    if (w.itemLive[i]) {
      live.push(i);
      byDisc[w.itemDisc[i]!]!.push(i);
    } else noise.push(i);
  }
  const weightOf = (items: readonly number[]): Float64Array => Float64Array.from(items, (i) => Math.exp(1.5 * w.itemPopZ[i]!));
  return {
    live: Int32Array.from(live),
    noise: Int32Array.from(noise),
    liveByDisc: byDisc.map((l) => Int32Array.from(l)),
    discAlias: byDisc.map((l) => (l.length > 0 ? new AliasTable(weightOf(l)) : null)),
    liveAlias: new AliasTable(weightOf(live)),
    noiseAlias: noise.length > 0 ? new AliasTable(weightOf(noise)) : null,
  };
}

function affinity(w: World, u: number, i: number): number {
  const K = SYNTH_LATENT_DIM;
  let dot = 0;
  for (let k = 0; k < K; k++) dot += w.userF[u * K + k]! * w.itemF[i * K + k]!;
  const cu = w.userCareer[u]!;
  const ci = w.itemCareer[i]!;
  const careerMatch = cu > 0 && ci > 0 && Math.abs(cu - ci) <= 1 ? 1 : 0;
  const industryMatch = w.userIndustry[u] === w.itemIndustry[i] ? 1 : 0;
  const regionMatch = w.userRegion[u]! > 0 && w.userRegion[u] === w.itemRegion[i] ? 1 : 0;
  const wt = AFFINITY_WEIGHTS;
  return (wt.dot * dot) / Math.sqrt(K) + wt.career * careerMatch + wt.industry * industryMatch + wt.region * regionMatch + wt.popularity * w.itemPopZ[i]!;
}

/** The bias α with Σ σ(α + κ·a_i) = target (bisection; the sum is increasing in α). */
function solveClickBias(affs: readonly number[], target: number): number {
  let lo = -30;
  let hi = 30;
  for (let it = 0; it < 50; it++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (const a of affs) s += sigmoid(mid + CLICK_STRENGTH * a);
    if (s < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function gumbel(rng: Rng): number {
  let x = 0;
  while (x === 0) x = rng.nextFloat();
  return -Math.log(-Math.log(x));
}

function generateEvents(w: World, rng: Rng): void {
  const pools = buildPools(w);
  for (let u = 0; u < w.userCount; u++) {
    const kind = w.userKind[u]!;
    if (kind === KIND_CORE) coreUser(w, pools, rng, u);
    else if (kind === KIND_LIGHT) lightUser(w, pools, rng, u);
    else if (kind === KIND_IMPRESSION_ONLY) impressionOnlyUser(w, pools, rng, u);
  }
}

function pushInteraction(w: World, u: number, i: number, type: number, offsetS: number): void {
  const span = w.spanEndS - w.spanStartS;
  w.iUser.push(u);
  w.iItem.push(i);
  w.iType.push(type);
  w.iOffsetS.push(Math.min(span - 1, Math.max(0, Math.floor(offsetS))));
}

function pushLine(w: World, u: number, week: number, items: readonly number[]): void {
  if (items.length === 0) return;
  w.lUser.push(u);
  w.lWeek.push(week);
  w.lStart.push(w.linePool.length);
  w.lLen.push(items.length);
  for (const i of items) w.linePool.push(i);
}

/** A live item drawn 'ownShare' from the user's discipline, otherwise by global popularity. */
function drawLive(pools: Pools, rng: Rng, disc: number, ownShare: number): number {
  const alias = pools.discAlias[disc];
  if (alias && rng.nextFloat() < ownShare) return pools.liveByDisc[disc]![alias.sample(rng)]!;
  return pools.live[pools.liveAlias.sample(rng)]!;
}

/** Adds the follow-ups of a click: a repeated click, a bookmark, a reply (probabilities given). */
function clickFollowUps(w: World, rng: Rng, u: number, i: number, clickS: number, pBookmark: number, pReply: number): void {
  const p = w.p;
  if (rng.nextFloat() < p.repeatClickProb) pushInteraction(w, u, i, 1, clickS + 60 + rng.nextInt(3 * 86400));
  if (rng.nextFloat() < pBookmark) pushInteraction(w, u, i, 2, clickS + 60 + rng.nextInt(2 * 86400));
  if (rng.nextFloat() < pReply) pushInteraction(w, u, i, 3, clickS + 60 + rng.nextInt(2 * 86400));
}

/** A reply or bookmark without a click; a quarter also get the other one (IM value 5). Returns the rows added. */
function withoutClick(w: World, rng: Rng, u: number, i: number, type: 2 | 3, atS: number): number {
  pushInteraction(w, u, i, type, atS);
  if (rng.nextFloat() >= 0.25) return 1;
  pushInteraction(w, u, i, type === 2 ? 3 : 2, atS + 60 + rng.nextInt(86400));
  return 2;
}

function coreUser(w: World, pools: Pools, rng: Rng, u: number): void {
  const p = w.p;
  const disc = w.userDisc[u]!;
  const meanT = p.coreMinItems + p.coreExtraItemsMean;
  const t = p.coreMinItems + Math.round(-p.coreExtraItemsMean * Math.log(1 - rng.nextFloat()));
  const clicksShown = p.shownClickShare * t;
  const maxShown = Math.floor(pools.live.length * 0.6);
  const displayed = Math.min(
    maxShown,
    Math.max(Math.ceil(2 * clicksShown), Math.round(p.displayedMean * Math.pow(t / meanT, 0.8) * Math.exp(0.45 * rng.nextNormal() - 0.101))),
  );
  const activeWeeks = Math.min(p.weeks, Math.max(2, Math.round(p.weeks * (0.3 + 0.4 * (t / meanT) + 0.3 * rng.nextFloat()))));
  const firstWeek = rng.nextInt(p.weeks - activeWeeks + 1);
  const bookmarkPropensity = Math.exp(0.5 * rng.nextNormal() - 0.125);
  const replyPropensity = Math.exp(0.5 * rng.nextNormal() - 0.125);

  // Shown items: distinct live items, then long-tail ones; each in a random active week, some twice.
  const shownSet = new Set<number>();
  const shownLive: number[] = [];
  for (let tries = 0; shownLive.length < displayed && tries < 50 * displayed; tries++) {
    const i = drawLive(pools, rng, disc, p.ownDisciplineShare);
    if (!shownSet.has(i)) {
      shownSet.add(i);
      shownLive.push(i);
    }
  }
  const shownNoise: number[] = [];
  const noiseCount = pools.noise.length === 0 ? 0 : Math.round((displayed * p.shownNoiseShare) / (1 - p.shownNoiseShare));
  for (let tries = 0; shownNoise.length < noiseCount && tries < 50 * noiseCount; tries++) {
    const i = pools.noise[rng.nextInt(pools.noise.length)]!;
    if (!shownSet.has(i)) {
      shownSet.add(i);
      shownNoise.push(i);
    }
  }
  const weekLists: number[][] = Array.from({ length: activeWeeks }, () => []);
  const shownWeek = new Map<number, number>();
  for (const i of [...shownLive, ...shownNoise]) {
    const wk = rng.nextInt(activeWeeks);
    weekLists[wk]!.push(i);
    shownWeek.set(i, firstWeek + wk);
    if (activeWeeks > 1 && rng.nextFloat() < p.shownRepeatProb) {
      const again = (wk + 1 + rng.nextInt(activeWeeks - 1)) % activeWeeks;
      weekLists[again]!.push(i);
    }
  }
  for (let wk = 0; wk < activeWeeks; wk++) pushLine(w, u, firstWeek + wk, weekLists[wk]!);

  // Clicks on shown items: σ(α_u + κ·a), α_u matching the user's expected click count.
  const shownAff = shownLive.map((i) => affinity(w, u, i));
  const alpha = solveClickBias(shownAff, clicksShown);
  const clicked: number[] = [];
  const clickedAt: number[] = [];
  const clickedAff: number[] = [];
  const unclicked: number[] = [];
  const weekTime = (i: number): number => shownWeek.get(i)! * WEEK_S + rng.nextInt(WEEK_S);
  shownLive.forEach((i, k) => {
    if (rng.nextFloat() < sigmoid(alpha + CLICK_STRENGTH * shownAff[k]!)) {
      clicked.push(i);
      clickedAt.push(weekTime(i));
      clickedAff.push(shownAff[k]!);
    } else unclicked.push(i);
  });
  for (const i of shownNoise) {
    const a = affinity(w, u, i);
    if (rng.nextFloat() < NOISE_CLICK_FACTOR * sigmoid(alpha + CLICK_STRENGTH * a)) {
      clicked.push(i);
      clickedAt.push(weekTime(i));
      clickedAff.push(a);
    } else unclicked.push(i);
  }

  // Interacted items that were not shown: the best candidates by κ·a + Gumbel noise (a softmax draw).
  const notShown = Math.max(0, Math.round(t - clicksShown));
  const candidates: { i: number; key: number; a: number }[] = [];
  const candidateSet = new Set<number>();
  for (let tries = 0; candidates.length < 3 * notShown && tries < 30 * notShown; tries++) {
    const i = drawLive(pools, rng, disc, p.ownDisciplineShare);
    if (shownSet.has(i) || candidateSet.has(i)) continue;
    candidateSet.add(i);
    const a = affinity(w, u, i);
    candidates.push({ i, a, key: CLICK_STRENGTH * a + gumbel(rng) });
  }
  candidates.sort((x, y) => y.key - x.key || x.i - y.i);
  const activeStartS = firstWeek * WEEK_S;
  for (const c of candidates.slice(0, notShown)) {
    const atS = activeStartS + rng.nextInt(activeWeeks * WEEK_S);
    if (rng.nextFloat() < p.notShownNoClickShare) {
      withoutClick(w, rng, u, c.i, rng.nextFloat() < 0.6 ? 3 : 2, atS);
    } else {
      clicked.push(c.i);
      clickedAt.push(atS);
      clickedAff.push(c.a);
    }
  }

  // Clicks with their follow-ups; bookmarks and replies favour the user's best-matching clicks.
  let meanAff = 0;
  for (const a of clickedAff) meanAff += a;
  meanAff = clickedAff.length > 0 ? meanAff / clickedAff.length : 0;
  w.userClickBias[u] = alpha;
  w.userBookmarkPropensity[u] = bookmarkPropensity;
  w.userReplyPropensity[u] = replyPropensity;
  w.userMeanClickedAffinity[u] = meanAff;
  let positives = 0;
  clicked.forEach((i, k) => {
    pushInteraction(w, u, i, 1, clickedAt[k]!);
    const lift = 2 * sigmoid(EXTRA_STRENGTH * (clickedAff[k]! - meanAff));
    const before = w.iUser.length;
    clickFollowUps(w, rng, u, i, clickedAt[k]!, p.bookmarkPerClick * bookmarkPropensity * lift, p.replyPerClick * replyPropensity * lift);
    positives += 1 + w.iUser.length - before;
  });
  // Replies and bookmarks without a click, and deletes, on shown items that were not clicked.
  const deleteCandidates: number[] = [];
  for (const i of unclicked) {
    const x = rng.nextFloat();
    if (x < p.replyOnlyPerShown) {
      positives += withoutClick(w, rng, u, i, 3, weekTime(i));
    } else if (x < p.replyOnlyPerShown + p.bookmarkOnlyPerShown) {
      positives += withoutClick(w, rng, u, i, 2, weekTime(i));
    } else deleteCandidates.push(i);
  }
  let deletes = Math.min(deleteCandidates.length, Math.round(p.deletePerPositive * positives));
  for (let k = 0; deletes > 0 && k < deleteCandidates.length; k++) {
    if (rng.nextInt(deleteCandidates.length - k) < deletes) {
      pushInteraction(w, u, deleteCandidates[k]!, 4, weekTime(deleteCandidates[k]!));
      deletes--;
    }
  }
}

function lightUser(w: World, pools: Pools, rng: Rng, u: number): void {
  const p = w.p;
  const disc = w.userDisc[u]!;
  const q = 1 / p.lightMeanItems;
  const n = Math.min(p.lightMaxItems, 1 + Math.floor(Math.log(1 - rng.nextFloat()) / Math.log(1 - q)));
  const activeWeeks = 1 + rng.nextInt(Math.min(3, p.weeks));
  const firstWeek = rng.nextInt(p.weeks - activeWeeks + 1);
  const items: number[] = [];
  const seen = new Set<number>();
  for (let tries = 0; items.length < n && tries < 20 * n; tries++) {
    let i: number;
    if (pools.noise.length === 0 || rng.nextFloat() < p.lightLiveShare) {
      i = rng.nextFloat() < p.lightUniformShare ? pools.live[rng.nextInt(pools.live.length)]! : drawLive(pools, rng, disc, 0.5);
    } else {
      i = rng.nextFloat() < 0.5 ? pools.noise[rng.nextInt(pools.noise.length)]! : pools.noise[pools.noiseAlias!.sample(rng)]!;
    }
    if (seen.has(i)) continue;
    seen.add(i);
    items.push(i);
  }
  let positives = 0;
  for (const i of items) {
    const atS = firstWeek * WEEK_S + rng.nextInt(activeWeeks * WEEK_S);
    const before = w.iUser.length;
    if (rng.nextFloat() < p.lightReplyOnlyShare) {
      pushInteraction(w, u, i, 3, atS);
    } else {
      pushInteraction(w, u, i, 1, atS);
      clickFollowUps(w, rng, u, i, atS, p.bookmarkPerClick, p.replyPerClick);
    }
    positives += w.iUser.length - before;
  }
  // Light users' deletes: any item of the catalogue, shown or not.
  const deletes = Math.floor(p.deletePerPositive * positives + rng.nextFloat());
  for (let k = 0; k < deletes; k++) {
    pushInteraction(w, u, rng.nextInt(w.itemCount), 4, firstWeek * WEEK_S + rng.nextInt(activeWeeks * WEEK_S));
  }
  if (rng.nextFloat() < p.lightImpressionProb) {
    const lines = activeWeeks > 1 && rng.nextFloat() < 0.5 ? 2 : 1;
    const weekOffset = rng.nextInt(activeWeeks);
    for (let l = 0; l < lines; l++) {
      const size = 1 + rng.nextInt(2 * p.lightImpressionItems - 1);
      const line: number[] = [];
      const inLine = new Set<number>();
      for (let tries = 0; line.length < size && tries < 4 * size; tries++) {
        const fromOwn = items.length > 0 && rng.nextFloat() < 0.3;
        const i = fromOwn ? items[rng.nextInt(items.length)]! : drawLive(pools, rng, disc, 0.5);
        if (!inLine.has(i)) {
      inLine.add(i);
      line.push(i);
    }
      }
      pushLine(w, u, firstWeek + ((weekOffset + l) % activeWeeks), line);
    }
  }
}

function impressionOnlyUser(w: World, pools: Pools, rng: Rng, u: number): void {
  const lines = 1 + rng.nextInt(3);
  const firstWeek = rng.nextInt(Math.max(1, w.p.weeks - lines + 1));
  for (let l = 0; l < lines && firstWeek + l < w.p.weeks; l++) {
    const line: number[] = [];
    const inLine = new Set<number>();
    const size = 1 + rng.nextInt(15);
    for (let tries = 0; line.length < size && tries < 4 * size; tries++) {
      const i = drawLive(pools, rng, w.userDisc[u]!, 0.5);
      if (!inLine.has(i)) {
      inLine.add(i);
      line.push(i);
    }
    }
    pushLine(w, u, firstWeek + l, line);
  }
}

/** Comma-separated concept ids of a discipline (jobroles, titles, tags, fields of study). */
function concepts(seed: number, tag: number, ix: number, disc: number, count: number): string {
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push((disc + 1) * 1000 + (h(seed, tag, ix, 10 + k) % 50));
  return out.join(',');
}

function userRow(w: World, u: number): SynthRecord {
  const seed = w.seed;
  const tag = HASH_TAG.synthUser;
  const career = w.userCareer[u]!;
  const yearsExperience = career === 0 ? 0 : Math.min(7, Math.max(1, career + (h(seed, tag, u, 1) % 3) - 1));
  const yearsInCurrent = yearsExperience === 0 ? 0 : 1 + (h(seed, tag, u, 2) % yearsExperience);
  const f3 = w.userF[u * SYNTH_LATENT_DIM + 3]!;
  return {
    kind: 'user',
    row: {
      id: userIdOf(seed, u),
      jobroles: concepts(seed, tag, u, w.userDisc[u]!, 1 + (h(seed, tag, u, 3) % 3)),
      career_level: career,
      discipline_id: w.userDisc[u]! + 1,
      industry_id: w.userIndustry[u]! + 1,
      country: COUNTRIES[w.userCountry[u]!]!,
      region: w.userRegion[u]!,
      experience_n_entries_class: Math.min(3, Math.floor(yearsExperience / 2)),
      experience_years_experience: yearsExperience,
      experience_years_in_current: yearsInCurrent,
      edu_degree: h(seed, tag, u, 4) % 10 === 0 ? 0 : Math.min(3, Math.max(1, 2 + Math.round(f3 / 1.5))),
      edu_fieldofstudies: h(seed, tag, u, 5) % 4 === 0 ? '0' : concepts(seed, tag, u, w.userDisc[u]!, 1),
    },
  };
}

function itemRow(w: World, i: number): SynthRecord {
  const seed = w.seed;
  const tag = HASH_TAG.synthItem;
  const career = w.itemCareer[i]!;
  const region = w.itemRegion[i]!;
  const e = h(seed, tag, i, 1) % 100;
  const employment = career === 1 && e < 50 ? 4 : e < 75 ? 1 : e < 85 ? 2 : e < 93 ? 3 : e < 97 ? 5 : 0;
  const activeShare = w.itemLive[i] ? 50 : 20;
  return {
    kind: 'item',
    row: {
      id: itemIdOf(seed, i),
      title: concepts(seed, tag, i, w.itemDisc[i]!, 1 + (h(seed, tag, i, 2) % 3)),
      career_level: career,
      discipline_id: w.itemDisc[i]! + 1,
      industry_id: w.itemIndustry[i]! + 1,
      country: COUNTRIES[w.itemCountry[i]!]!,
      region,
      // Germany's regions laid out along a rough grid, rounded to 0.1° (about 10 km, like the original).
      latitude: region > 0 ? Math.round((47.5 + ((region - 1) % 4) * 1.7 + (h(seed, tag, i, 3) % 10) / 10) * 10) / 10 : null,
      longitude: region > 0 ? Math.round((6.5 + Math.floor((region - 1) / 4) * 2 + (h(seed, tag, i, 4) % 10) / 10) * 10) / 10 : null,
      employment,
      tags: concepts(seed, tag, i, w.itemDisc[i]!, 2 + (h(seed, tag, i, 5) % 4)),
      created_at: w.spanStartS - 3600 * (1 + (h(seed, tag, i, 6) % (8 * 7 * 24))),
      active_during_test: h(seed, tag, i, 7) % 100 < activeShare ? 1 : 0,
    },
  };
}

function weekLabel(yearWeek: number): string {
  return `${Math.floor(yearWeek / 100)}-W${String(yearWeek % 100).padStart(2, '0')}`;
}

function summarize(w: World): SynthSummary {
  const typeCounts = [0, 0, 0, 0, 0];
  const types = w.iType.data;
  for (let r = 0; r < w.iType.length; r++) typeCounts[types[r]!]!++;
  return {
    preset: w.p.name,
    seed: w.seed,
    users: w.userCount,
    items: w.itemCount,
    interactions: w.iType.length,
    clicks: typeCounts[1]!,
    bookmarks: typeCounts[2]!,
    replies: typeCounts[3]!,
    deletes: typeCounts[4]!,
    impressionLines: w.lUser.length,
    impressionTriples: w.linePool.length,
    firstWeek: weekLabel(isoYearWeek(w.spanStartS)),
    lastWeek: weekLabel(isoYearWeek(w.spanEndS - 1)),
    latentDim: SYNTH_LATENT_DIM,
  };
}

/** Stable counting sort of rows by a small non-negative integer key: the row order, ascending key. */
function countingOrder(keys: Int32Array, n: number, keyRange: number): Int32Array {
  const starts = new Int32Array(keyRange + 1);
  for (let r = 0; r < n; r++) starts[keys[r]! + 1]!++;
  for (let k = 0; k < keyRange; k++) starts[k + 1]! += starts[k]!;
  const order = new Int32Array(n);
  for (let r = 0; r < n; r++) order[starts[keys[r]!]!++] = r;
  return order;
}

function* records(w: World): Generator<SynthRecord> {
  for (let u = 0; u < w.userCount; u++) yield userRow(w, u);
  for (let i = 0; i < w.itemCount; i++) yield itemRow(w, i);
  const lineOrder = countingOrder(w.lWeek.data, w.lUser.length, w.p.weeks);
  const spanS = w.spanEndS - w.spanStartS;
  const interactionOrder = countingOrder(w.iOffsetS.data, w.iUser.length, spanS);
  let nextLine = 0;
  let nextInteraction = 0;
  for (let week = 0; week < w.p.weeks; week++) {
    const weekStartS = w.spanStartS + week * WEEK_S;
    const yearWeek = isoYearWeek(weekStartS);
    // Impressions first: their event time (Monday 00:00) is never after the week's interactions.
    while (nextLine < lineOrder.length && w.lWeek.data[lineOrder[nextLine]!] === week) {
      const l = lineOrder[nextLine++]!;
      const start = w.lStart.data[l]!;
      const items: number[] = [];
      for (let k = 0; k < w.lLen.data[l]!; k++) items.push(itemIdOf(w.seed, w.linePool.data[start + k]!));
      yield {
        kind: 'impression',
        record: { user_id: userIdOf(w.seed, w.lUser.data[l]!), year: Math.floor(yearWeek / 100), week: yearWeek % 100, items },
      };
    }
    const weekEndOffsetS = (week + 1) * WEEK_S;
    while (nextInteraction < interactionOrder.length && w.iOffsetS.data[interactionOrder[nextInteraction]!]! < weekEndOffsetS) {
      const r = interactionOrder[nextInteraction++]!;
      yield {
        kind: 'interaction',
        record: {
          user_id: userIdOf(w.seed, w.iUser.data[r]!),
          item_id: itemIdOf(w.seed, w.iItem.data[r]!),
          interaction_type: w.iType.data[r]! as 1 | 2 | 3 | 4,
          created_at: w.spanStartS + w.iOffsetS.data[r]!,
        },
      };
    }
  }
  invariant(nextLine === lineOrder.length && nextInteraction === interactionOrder.length, 'synthetic events outside the weeks');
}

/**
 * The truth of the core users (the only ones whose clicks the affinity drives) and of every item any core user
 * was shown or interacted with, keyed by external id, ascending.
 */
function truthOf(w: World): SynthTruth {
  const K = SYNTH_LATENT_DIM;
  const coreItem = new Uint8Array(w.itemCount);
  for (let r = 0; r < w.iUser.length; r++) if (w.userKind[w.iUser.data[r]!] === KIND_CORE) coreItem[w.iItem.data[r]!] = 1;
  for (let l = 0; l < w.lUser.length; l++) {
    if (w.userKind[w.lUser.data[l]!] !== KIND_CORE) continue;
    const start = w.lStart.data[l]!;
    for (let k = 0; k < w.lLen.data[l]!; k++) coreItem[w.linePool.data[start + k]!] = 1;
  }
  const users: number[] = [];
  for (let u = 0; u < w.userCount; u++) if (w.userKind[u] === KIND_CORE) users.push(u);
  const items: number[] = [];
  for (let i = 0; i < w.itemCount; i++) if (coreItem[i]) items.push(i);
  const factorsOf = (f: Float32Array, xs: number[]): Float32Array => {
    const out = new Float32Array(xs.length * K);
    xs.forEach((x, k) => out.set(f.subarray(x * K, x * K + K), k * K));
    return out;
  };
  const p = w.p;
  return {
    formatVersion: SYNTH_TRUTH_FORMAT_VERSION,
    kind: 'dyadflow.synthetic-truth',
    preset: p.name,
    seed: w.seed,
    latentDim: K,
    parameters: {
      affinity: { ...AFFINITY_WEIGHTS },
      clickStrength: CLICK_STRENGTH,
      extraStrength: EXTRA_STRENGTH,
      noiseClickFactor: NOISE_CLICK_FACTOR,
      bookmarkPerClick: p.bookmarkPerClick,
      replyPerClick: p.replyPerClick,
      bookmarkOnlyPerShown: p.bookmarkOnlyPerShown,
      replyOnlyPerShown: p.replyOnlyPerShown,
    },
    users: {
      ids: Int32Array.from(users, (u) => userIdOf(w.seed, u)),
      factors: factorsOf(w.userF, users),
      careerLevel: Uint8Array.from(users, (u) => w.userCareer[u]!),
      industry: Uint8Array.from(users, (u) => w.userIndustry[u]!),
      region: Uint8Array.from(users, (u) => w.userRegion[u]!),
      clickBias: Float64Array.from(users, (u) => w.userClickBias[u]!),
      bookmarkPropensity: Float64Array.from(users, (u) => w.userBookmarkPropensity[u]!),
      replyPropensity: Float64Array.from(users, (u) => w.userReplyPropensity[u]!),
      meanClickedAffinity: Float64Array.from(users, (u) => w.userMeanClickedAffinity[u]!),
    },
    items: {
      ids: Int32Array.from(items, (i) => itemIdOf(w.seed, i)),
      factors: factorsOf(w.itemF, items),
      careerLevel: Uint8Array.from(items, (i) => w.itemCareer[i]!),
      industry: Uint8Array.from(items, (i) => w.itemIndustry[i]!),
      region: Uint8Array.from(items, (i) => w.itemRegion[i]!),
      popularity: Float32Array.from(items, (i) => w.itemPopZ[i]!),
      live: Uint8Array.from(items, (i) => w.itemLive[i]!),
    },
  };
}

/** A generated preset: its counts, and its records in emission order (users, items, events by time). */
export interface SynthDataset {
  summary: SynthSummary;
  /** The records, generated lazily from the in-memory world; may be iterated more than once. */
  records(): Generator<SynthRecord>;
  /** The generator's truth for its core users (truth.ts): what the oracle row scores with. */
  truth(): SynthTruth;
}

/** Generates a preset's world in memory (typed arrays; bounded) and returns its records and counts. */
export function buildSynthetic(preset: SynthPresetName, seed: number): SynthDataset {
  const params = SYNTH_PRESETS[preset];
  invariant(params !== undefined, `unknown synthetic preset ${String(preset)}`);
  const w = buildWorld(params, seed >>> 0);
  return { summary: summarize(w), records: () => records(w), truth: () => truthOf(w) };
}

/** Generates a preset with `seed` and emits every record through `sink` in event-time order (see SynthSink). */
export function generateSynthetic(preset: SynthPresetName, seed: number, sink: SynthSink): SynthSummary {
  const ds = buildSynthetic(preset, seed);
  for (const r of ds.records()) {
    if (r.kind === 'user') sink.user(r.row);
    else if (r.kind === 'item') sink.item(r.row);
    else if (r.kind === 'interaction') sink.interaction(r.record);
    else sink.impression(r.record);
  }
  return ds.summary;
}
