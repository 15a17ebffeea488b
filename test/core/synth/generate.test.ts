import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBSAMPLE, subsample } from '../../../src/core/dataset/subsample.js';
import type { Dataset } from '../../../src/core/events/tables.js';
import { computeTable1 } from '../../../src/core/stats/table1.js';
import { generateSynthetic, type SynthRecord, type SynthSummary } from '../../../src/core/synth/index.js';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { synthDataset } from './synth-dataset.js';

function collect(seed: number): { records: SynthRecord[]; summary: SynthSummary } {
  const records: SynthRecord[] = [];
  const summary = generateSynthetic('tiny', seed, {
    user: (row) => records.push({ kind: 'user', row }),
    item: (row) => records.push({ kind: 'item', row }),
    interaction: (record) => records.push({ kind: 'interaction', record }),
    impression: (record) => records.push({ kind: 'impression', record }),
  });
  return { records, summary };
}

const eventTimeS = (r: SynthRecord): number =>
  r.kind === 'interaction' ? r.record.created_at : r.kind === 'impression' ? isoWeekStartS(r.record.year, r.record.week) : -1;

describe('generateSynthetic (tiny)', () => {
  const first = collect(1);

  it('gives the same records for the same seed and different ones for another seed', () => {
    const again = collect(1);
    expect(JSON.stringify(again.records)).toBe(JSON.stringify(first.records));
    expect(again.summary).toEqual(first.summary);
    const other = collect(2);
    expect(JSON.stringify(other.records)).not.toBe(JSON.stringify(first.records));
  });

  it('emits users and items by ascending id, then events in event-time order, impressions first on ties', () => {
    const kinds = first.records.map((r) => r.kind);
    const firstEvent = kinds.findIndex((k) => k === 'interaction' || k === 'impression');
    expect(kinds.slice(0, firstEvent).every((k) => k === 'user' || k === 'item')).toBe(true);
    expect(kinds.slice(firstEvent).every((k) => k === 'interaction' || k === 'impression')).toBe(true);
    const userIds = first.records.flatMap((r) => (r.kind === 'user' ? [r.row.id] : []));
    const itemIds = first.records.flatMap((r) => (r.kind === 'item' ? [r.row.id] : []));
    expect(userIds).toEqual([...userIds].sort((a, b) => a - b));
    expect(new Set(userIds).size).toBe(userIds.length);
    expect(itemIds).toEqual([...itemIds].sort((a, b) => a - b));
    const events = first.records.slice(firstEvent);
    const outOfOrder: number[] = [];
    for (let k = 1; k < events.length; k++) {
      const prev = events[k - 1]!;
      const cur = events[k]!;
      if (eventTimeS(cur) < eventTimeS(prev)) outOfOrder.push(k);
      if (eventTimeS(cur) === eventTimeS(prev) && cur.kind === 'impression' && prev.kind !== 'impression') outOfOrder.push(k);
    }
    expect(outOfOrder).toEqual([]);
    // Every id an event names has a profile row.
    const users = new Set(userIds);
    const items = new Set(itemIds);
    const unknown: string[] = [];
    for (const r of events) {
      if (r.kind === 'user' || r.kind === 'item') continue;
      if (!users.has(r.record.user_id)) unknown.push(`user ${r.record.user_id}`);
      const named = r.kind === 'interaction' ? [r.record.item_id] : r.record.items;
      for (const i of named) if (!items.has(i)) unknown.push(`item ${i}`);
    }
    expect(unknown).toEqual([]);
  });

  it('summarises what it emitted', () => {
    const s = first.summary;
    const interactions = first.records.filter((r) => r.kind === 'interaction');
    const lines = first.records.filter((r) => r.kind === 'impression');
    expect(s.users).toBe(first.records.filter((r) => r.kind === 'user').length);
    expect(s.items).toBe(first.records.filter((r) => r.kind === 'item').length);
    expect(s.interactions).toBe(interactions.length);
    expect(s.clicks + s.bookmarks + s.replies + s.deletes).toBe(s.interactions);
    expect(s.deletes).toBeGreaterThan(0);
    expect(s.impressionLines).toBe(lines.length);
    expect(s.impressionTriples).toBe(lines.reduce((n, r) => n + (r.kind === 'impression' ? r.record.items.length : 0), 0));
    expect(s.firstWeek).toBe('2015-W34');
    expect(s.lastWeek).toBe('2015-W39');
  });
});

/** method.md §5 per-user chronological split: the first ⌈2n/3⌉ of a user's dyads by first-seen time (ties by item id). */
function splitLabels(ds: Dataset): { train: Map<number, number[][]>; test: Map<number, number[][]> } {
  // Per dyad: first-seen time and the set of types (bit t for type t).
  const dyads = new Map<string, { user: number; item: number; firstS: number; types: number }>();
  const touch = (user: number, item: number, atS: number, typeBit: number): void => {
    const key = `${user}:${item}`;
    const d = dyads.get(key) ?? { user, item, firstS: atS, types: 0 };
    d.firstS = Math.min(d.firstS, atS);
    d.types |= typeBit;
    dyads.set(key, d);
  };
  const t = ds.interactions;
  for (let r = 0; r < t.length; r++) touch(t.userIds[r]!, t.itemIds[r]!, t.createdAtS[r]!, 1 << t.types[r]!);
  const p = ds.impressions;
  for (let r = 0; r < p.length; r++) {
    const yw = p.yearWeeks[r]!;
    touch(p.userIds[r]!, p.itemIds[r]!, isoWeekStartS(Math.floor(yw / 100), yw % 100), 0);
  }
  const byUser = new Map<number, { item: number; firstS: number; types: number }[]>();
  for (const d of dyads.values()) byUser.set(d.user, [...(byUser.get(d.user) ?? []), d]);
  const train = new Map<number, number[][]>();
  const test = new Map<number, number[][]>();
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.firstS - b.firstS || a.item - b.item);
    const cut = Math.ceil((2 * list.length) / 3);
    const labels = (d: { types: number }): number[] => [1, 2, 3].map((type) => ((d.types >> type) & 1 ? 1 : 0));
    train.set(user, list.slice(0, cut).map(labels));
    test.set(user, list.slice(cut).map(labels));
  }
  return { train, test };
}

describe('tiny preset guarantees', () => {
  const { dataset } = synthDataset('tiny', 1);
  const kept = subsample(dataset, DEFAULT_SUBSAMPLE);

  it('keeps at least 150 users after 30/30 subsampling and spans at least four ISO weeks', () => {
    expect(computeTable1(kept).users).toBeGreaterThanOrEqual(150);
    const weeks = new Set<number>();
    for (let r = 0; r < kept.impressions.length; r++) weeks.add(kept.impressions.yearWeeks[r]!);
    expect(weeks.size).toBeGreaterThanOrEqual(4);
  });

  it('has users with positives and negatives for click, bookmark and reply in both parts of the time split', () => {
    const { train, test } = splitLabels(kept);
    for (const part of [train, test]) {
      for (let task = 0; task < 3; task++) {
        let usersWithBoth = 0;
        for (const labels of part.values()) {
          const pos = labels.filter((l) => l[task] === 1).length;
          if (pos > 0 && pos < labels.length) usersWithBoth++;
        }
        expect(usersWithBoth, `task ${task}`).toBeGreaterThanOrEqual(20);
      }
    }
  });

  it('gives every implicit-matrix value 0..6 (method.md §2)', () => {
    const types = new Map<string, number>();
    const t = kept.interactions;
    for (let r = 0; r < t.length; r++) {
      const key = `${t.userIds[r]}:${t.itemIds[r]}`;
      types.set(key, (types.get(key) ?? 0) | (1 << t.types[r]!));
    }
    for (let r = 0; r < kept.impressions.length; r++) {
      const key = `${kept.impressions.userIds[r]}:${kept.impressions.itemIds[r]}`;
      if (!types.has(key)) types.set(key, 0);
    }
    const values = new Set([...types.values()].map((bits) => ((bits >> 1) & 1) * 1 + ((bits >> 2) & 1) * 2 + ((bits >> 3) & 1) * 3));
    expect([...values].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('makes shown items of the user’s own discipline more likely to be clicked (the latent structure is learnable)', () => {
    const { records } = synthDataset('tiny', 3);
    const userDisc = new Map<number, number>();
    const itemDisc = new Map<number, number>();
    for (const r of records!) {
      if (r.kind === 'user') userDisc.set(r.row.id, r.row.discipline_id);
      if (r.kind === 'item') itemDisc.set(r.row.id, r.row.discipline_id);
    }
    const clicked = new Set<string>();
    for (const r of records!) if (r.kind === 'interaction' && r.record.interaction_type === 1) clicked.add(`${r.record.user_id}:${r.record.item_id}`);
    const shown = new Map<string, boolean>();
    for (const r of records!) {
      if (r.kind !== 'impression') continue;
      for (const i of r.record.items) shown.set(`${r.record.user_id}:${i}`, userDisc.get(r.record.user_id) === itemDisc.get(i));
    }
    const rate = (same: boolean): number => {
      const keys = [...shown].filter(([, s]) => s === same).map(([k]) => k);
      return keys.filter((k) => clicked.has(k)).length / keys.length;
    };
    expect(rate(true)).toBeGreaterThan(1.2 * rate(false));
  });
});
