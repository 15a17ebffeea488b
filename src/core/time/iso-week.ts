// ISO 8601 week arithmetic in UTC on unix seconds. Pure: no Date.now(), only the given instants.

const DAY_S = 86400;
/** Monday 1970-01-05 00:00 UTC, the alignment origin of windows (method.md §5a). */
export const EPOCH_MONDAY_S = 4 * DAY_S;

/** Unix seconds of 00:00 UTC on the Monday of ISO (year, week): an impression's event time (method.md §5a). */
export function isoWeekStartS(year: number, week: number): number {
  // Jan 4th is always in ISO week 1.
  const jan4Days = Math.floor(Date.UTC(year, 0, 4) / 1000 / DAY_S);
  const jan4Weekday = (((jan4Days + 3) % 7) + 7) % 7; // 0 = Monday (1970-01-01 was a Thursday)
  const week1MondayDays = jan4Days - jan4Weekday;
  return (week1MondayDays + (week - 1) * 7) * DAY_S;
}

/** The ISO (year, week) of an instant, as year × 100 + week (e.g. 201534). */
export function isoYearWeek(tS: number): number {
  const days = Math.floor(tS / DAY_S);
  const weekday = (((days + 3) % 7) + 7) % 7; // 0 = Monday
  const thursdayDays = days - weekday + 3; // the ISO year is the year of that week's Thursday
  const year = new Date(thursdayDays * DAY_S * 1000).getUTCFullYear();
  const week = Math.floor((thursdayDays - Math.floor(Date.UTC(year, 0, 1) / 1000 / DAY_S)) / 7) + 1;
  return year * 100 + week;
}

/** Number of ISO weeks (52 or 53) in an ISO year. */
export function isoWeeksInYear(year: number): number {
  return isoYearWeek(isoWeekStartS(year, 53)) === year * 100 + 53 ? 53 : 52;
}

/** Whether (year, week) names an existing ISO week. */
export function isValidIsoWeek(year: number, week: number): boolean {
  return Number.isInteger(year) && Number.isInteger(week) && week >= 1 && week <= isoWeeksInYear(year);
}
