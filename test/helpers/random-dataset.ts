// Small random RecSys 2016-shaped datasets for the feature tests (a stand-in for the synthetic generator).
import { InteractionTableBuilder, ImpressionTableBuilder, type Dataset, type ProfileTable } from '../../src/core/events/tables.js';
import { Rng } from '../../src/core/random/rng.js';

/** Shape of a random dataset. */
export interface RandomDatasetOptions {
  seed: number;
  users: number;
  items: number;
  interactions: number;
  /** Impression triples (user, item, week). */
  impressions: number;
  /** Distinct ISO weeks events fall in (from 2015-W34). */
  weeks?: number;
  /** Share of users / items with a profile row (0 → the profile table is null). */
  profileShare?: number;
}

/** Monday 2015-08-17 00:00 UTC = ISO 2015-W34. */
const START_S = 1439769600;

function profiles(rng: Rng, ids: number[], fieldCount: number, share: number): ProfileTable | null {
  if (share <= 0) return null;
  const kept = ids.filter(() => rng.nextFloat() < share).sort((a, b) => a - b);
  const values = new Int32Array(kept.length * fieldCount);
  for (let i = 0; i < values.length; i++) values[i] = rng.nextInt(6);
  return { fieldCount, ids: Int32Array.from(kept), values };
}

/** A random dataset: ids are scattered (not in first-seen order), events in random order. */
export function randomDataset(opts: RandomDatasetOptions): Dataset {
  const rng = Rng.fromSeed(opts.seed);
  const weeks = opts.weeks ?? 4;
  // Scattered external ids so that id order, dense order and first-seen order all differ.
  const userIds = Array.from({ length: opts.users }, (_, i) => 1000 + ((i * 7919) % 10007) * 3);
  const itemIds = Array.from({ length: opts.items }, (_, i) => 50 + ((i * 104729) % 100003) * 2);
  const inter = new InteractionTableBuilder();
  for (let i = 0; i < opts.interactions; i++) {
    const u = userIds[rng.nextInt(opts.users)]!;
    const o = itemIds[rng.nextInt(opts.items)]!;
    // Clicks dominate, as in the data.
    const r = rng.nextFloat();
    const type = r < 0.6 ? 1 : r < 0.8 ? 2 : 3;
    const t = START_S + rng.nextInt(weeks * 7 * 86400);
    inter.push(u, o, type, t);
  }
  const impr = new ImpressionTableBuilder();
  for (let i = 0; i < opts.impressions; i++) {
    const u = userIds[rng.nextInt(opts.users)]!;
    const o = itemIds[rng.nextInt(opts.items)]!;
    impr.push(u, o, 201534 + rng.nextInt(weeks));
  }
  const share = opts.profileShare ?? 0.8;
  return {
    interactions: inter.finish(),
    impressions: impr.finish(),
    users: profiles(rng, userIds, 9, share),
    items: profiles(rng, itemIds, 7, share),
    droppedDeletes: 0,
    badRows: 0,
  };
}
