import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isoWeekStartS, isoYearWeek, isoWeeksInYear, isValidIsoWeek } from '../../../src/core/time/iso-week.js';

describe('ISO weeks', () => {
  it('finds the Monday of known weeks', () => {
    // 2015-W34 starts Monday 2015-08-17 (the RecSys 2016 data's first week).
    expect(isoWeekStartS(2015, 34)).toBe(Date.UTC(2015, 7, 17) / 1000);
    // 2015-W01 starts Monday 2014-12-29; 2021-W01 starts 2021-01-04.
    expect(isoWeekStartS(2015, 1)).toBe(Date.UTC(2014, 11, 29) / 1000);
    expect(isoWeekStartS(2021, 1)).toBe(Date.UTC(2021, 0, 4) / 1000);
  });

  it('names the week of known instants', () => {
    expect(isoYearWeek(1439966982)).toBe(201534); // 2015-08-19, first RecSys 2016 interaction
    expect(isoYearWeek(1447023598)).toBe(201545); // 2015-11-08, last
    expect(isoYearWeek(Date.UTC(2021, 0, 3, 23, 59) / 1000)).toBe(202053);
    expect(isoYearWeek(Date.UTC(2019, 11, 30) / 1000)).toBe(202001);
  });

  it('knows long years', () => {
    expect(isoWeeksInYear(2015)).toBe(53);
    expect(isoWeeksInYear(2020)).toBe(53);
    expect(isoWeeksInYear(2016)).toBe(52);
    expect(isValidIsoWeek(2016, 53)).toBe(false);
    expect(isValidIsoWeek(2015, 53)).toBe(true);
    expect(isValidIsoWeek(2015, 0)).toBe(false);
  });

  it('round-trips: every instant of a week names that week, and the week starts on its Monday', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1971, max: 2098 }), fc.integer({ min: 1, max: 53 }), fc.integer({ min: 0, max: 7 * 86400 - 1 }), (year, week, offsetS) => {
        fc.pre(isValidIsoWeek(year, week));
        const start = isoWeekStartS(year, week);
        expect(isoYearWeek(start + offsetS)).toBe(year * 100 + week);
        expect(new Date(start * 1000).getUTCDay()).toBe(1);
      }),
    );
  });
});
