import { describe, expect, it } from 'vitest';
import type { EventBatch } from '../../../src/core/events/source.js';
import { isoWeekStartS } from '../../../src/core/time/iso-week.js';
import { WindowEvents, lateFlags, lateTables } from '../../../src/core/window/window-events.js';

const W34 = isoWeekStartS(2015, 34);
const W35 = isoWeekStartS(2015, 35);

function batch(): EventBatch {
  return {
    interactions: {
      length: 3,
      userIds: Int32Array.from([1, 2, 3]),
      itemIds: Int32Array.from([10, 20, 30]),
      types: Uint8Array.from([1, 3, 2]),
      createdAtS: Float64Array.from([W35 + 5, W34 + 100, W35 + 7]),
    },
    impressions: { length: 2, userIds: Int32Array.from([4, 5]), itemIds: Int32Array.from([40, 50]), eventTimeS: Float64Array.from([W34, W35]) },
    droppedDeletes: 2,
    badEvents: 1,
    watermarkS: W35 + 7,
    ended: false,
  };
}

describe('window events', () => {
  it('flag events before the open window as late, keep the rest, and count everything', () => {
    const b = batch();
    const flags = lateFlags(b, W35);
    expect(flags.late).toBe(2);
    expect(Array.from(flags.interactions!)).toEqual([0, 1, 0]);
    expect(Array.from(flags.impressions!)).toEqual([1, 0]);
    const w = new WindowEvents();
    w.add(b, flags.interactions, flags.impressions);
    w.addLate(flags.late);
    const late = lateTables(b, flags);
    expect(Array.from(late.interactions.userIds)).toEqual([2]);
    expect(Array.from(late.impressions.yearWeeks)).toEqual([201534]);
    const { interactions, impressions, counts } = w.finish();
    expect(Array.from(interactions.userIds)).toEqual([1, 3]);
    expect(Array.from(interactions.types)).toEqual([1, 2]);
    expect(Array.from(impressions.itemIds)).toEqual([50]);
    expect(Array.from(impressions.yearWeeks)).toEqual([201535]);
    expect(counts).toEqual({ interactions: 2, impressionPairs: 1, droppedDeletes: 2, badEvents: 1, lateEvents: 2 });
  });

  it('a batch with nothing late allocates no flags', () => {
    const flags = lateFlags(batch(), W34);
    expect(flags).toEqual({ interactions: null, impressions: null, late: 0 });
  });
});
