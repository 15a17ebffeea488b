import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoWeekStartS, isoYearWeek } from '../../../src/core/time/iso-week.js';
import {
  EVENT_AHEAD,
  EVENT_IN_WINDOW,
  EVENT_LATE,
  impressionTimeS,
  isLate,
  placeEvent,
  windowAt,
  windowCanClose,
  windowId,
  windowStartS,
} from '../../../src/core/window/window.js';

const H = 3600;
const D = 86400;
const W = 7 * D;
// Mondays 00:00 UTC (checked against Python's datetime.isocalendar()).
const MON_2015_08_17 = 1439769600; // 2015-W34
const MON_2015_12_28 = 1451260800; // 2015-W53
const MON_2016_01_04 = 1451865600; // 2016-W01
const MON_2018_12_31 = 1546214400; // 2019-W01
const MON_2020_12_28 = 1609113600; // 2020-W53
const THU_2020_12_31 = 1609372800;
const SUN_2021_01_03 = 1609632000;
const MON_2021_01_04 = 1609718400; // 2021-W01

describe('windowStartS', () => {
  it('aligns windows to Monday 1970-01-05 00:00 UTC, half-open', () => {
    expect(windowStartS(MON_2015_08_17, W)).toBe(MON_2015_08_17);
    expect(windowStartS(MON_2015_08_17 + W - 1, W)).toBe(MON_2015_08_17);
    expect(windowStartS(MON_2015_08_17 + W, W)).toBe(MON_2015_08_17 + W);
    expect(windowStartS(MON_2015_08_17 - 1, W)).toBe(MON_2015_08_17 - W);
    expect(windowStartS(MON_2015_08_17 + 5 * H + 7, D)).toBe(MON_2015_08_17);
    expect(windowStartS(MON_2015_08_17 + 7 * H + 1, 6 * H)).toBe(MON_2015_08_17 + 6 * H);
  });

  it('aligns multi-week windows to the origin, not to the year: 2w windows start on 1970-01-05 + 2k weeks', () => {
    const origin = 4 * D;
    const start = windowStartS(MON_2015_08_17, 2 * W);
    expect((start - origin) % (2 * W)).toBe(0);
    expect(MON_2015_08_17 - start === 0 || MON_2015_08_17 - start === W).toBe(true);
  });

  it('works before the origin: 1970-01-01 (a Thursday) is in the week of Monday 1969-12-29', () => {
    expect(windowStartS(0, W)).toBe(-3 * D);
    expect(windowStartS(0, D)).toBe(0);
    expect(windowStartS(-1, D)).toBe(-D);
  });

  it('makes 1w windows the ISO weeks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4102444800 }), (t) => {
        const yw = isoYearWeek(t);
        expect(windowStartS(t, W)).toBe(isoWeekStartS(Math.floor(yw / 100), yw % 100));
      }),
    );
  });
});

describe('windowId', () => {
  it('names whole-week windows by ISO week-year and week, across the week-year edges', () => {
    expect(windowId(MON_2015_08_17, W)).toBe('2015-W34');
    expect(windowAt(MON_2015_12_28 + 3 * D, W).id).toBe('2015-W53');
    expect(windowAt(MON_2016_01_04 - 1, W).id).toBe('2015-W53'); // Sunday 2016-01-03
    expect(windowAt(MON_2016_01_04, W).id).toBe('2016-W01');
    expect(windowAt(THU_2020_12_31, W).id).toBe('2020-W53');
    expect(windowAt(SUN_2021_01_03, W).id).toBe('2020-W53');
    expect(windowAt(MON_2021_01_04, W).id).toBe('2021-W01');
    expect(windowAt(MON_2018_12_31, W).id).toBe('2019-W01'); // a Monday in December, in the next week-year
    expect(windowAt(MON_2018_12_31 - 1, W).id).toBe('2018-W52');
    expect(windowAt(0, W).id).toBe('1970-W01');
    expect(windowAt(MON_2015_08_17, 2 * W).id).toMatch(/^2015-W3[34]$/);
  });

  it('names shorter windows by their start at the resolution the length needs', () => {
    const t = MON_2015_08_17 + 6 * H + 31 * 60 + 17; // 2015-08-17 06:31:17
    expect(windowAt(t, D).id).toBe('2015-08-17');
    expect(windowAt(t, 8 * D).startS % D).toBe(0);
    expect(windowAt(t, 8 * D).id).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(windowAt(t, 6 * H).id).toBe('2015-08-17T06');
    expect(windowAt(t, H).id).toBe('2015-08-17T06');
    expect(windowAt(t, 90 * 60).id).toBe('2015-08-17T06:00');
    expect(windowAt(t, 30 * 60).id).toBe('2015-08-17T06:30');
    expect(windowAt(t, 10).id).toBe('2015-08-17T06:31:10');
    expect(windowAt(t, 1).id).toBe('2015-08-17T06:31:17');
  });

  it('refuses a start that is not a window start (a bug in the caller)', () => {
    expect(() => windowId(MON_2015_08_17 + 1, W)).toThrow(/not the start/);
    expect(() => windowId(MON_2015_08_17, 0)).toThrow(/positive whole number/);
  });

  it('sorts in time order as strings among the windows of one length, and the same start gives the same id', () => {
    const lengths = [1, 10, 60, 90 * 60, H, 6 * H, D, 8 * D, W, 2 * W, 5 * W];
    fc.assert(
      fc.property(
        fc.constantFrom(...lengths),
        fc.integer({ min: -4 * D, max: 4102444800 }),
        fc.integer({ min: 1, max: 200 }),
        (lengthS, t, steps) => {
          const a = windowAt(t, lengthS);
          const b = windowAt(a.startS + steps * lengthS, lengthS);
          expect(a.id < b.id).toBe(true);
          expect(windowAt(a.startS + lengthS - 1, lengthS).id).toBe(a.id);
        },
      ),
    );
  });

  it('sorts weekly ids across every week-year edge from 1970 to 2100', () => {
    let prev = '';
    for (let s = windowStartS(0, W); s < 4102444800; s += W) {
      const id = windowId(s, W);
      expect(id > prev).toBe(true);
      prev = id;
    }
  });
});

describe('lateness and closing', () => {
  const w = windowAt(MON_2015_08_17, W);

  it('places an event late, in the open window, or ahead of it', () => {
    expect(placeEvent(MON_2015_08_17 - 1, w)).toBe(EVENT_LATE);
    expect(placeEvent(MON_2015_08_17, w)).toBe(EVENT_IN_WINDOW);
    expect(placeEvent(MON_2015_08_17 + W - 1, w)).toBe(EVENT_IN_WINDOW);
    expect(placeEvent(MON_2015_08_17 + W, w)).toBe(EVENT_AHEAD);
    expect(isLate(MON_2015_08_17 - 1, w.startS)).toBe(true);
    expect(isLate(MON_2015_08_17, w.startS)).toBe(false);
  });

  it('closes a window once the watermark reaches its end, or at the end of the input (Infinity)', () => {
    expect(windowCanClose(w, w.endS - 1)).toBe(false);
    expect(windowCanClose(w, w.endS)).toBe(true);
    expect(windowCanClose(w, Infinity)).toBe(true);
    expect(windowCanClose(w, -Infinity)).toBe(false);
  });

  it("puts an impression at 00:00 UTC on the Monday of its ISO week", () => {
    expect(impressionTimeS(2015, 34)).toBe(MON_2015_08_17);
    expect(impressionTimeS(2015, 53)).toBe(MON_2015_12_28);
    expect(impressionTimeS(2020, 53)).toBe(MON_2020_12_28);
    expect(impressionTimeS(2019, 1)).toBe(MON_2018_12_31);
  });
});
