// Event-time windows of the stream (method.md §5a): half-open intervals [startS, startS + lengthS) aligned to Monday
// 1970-01-05 00:00 UTC, so `1w` windows are ISO weeks and `1d` windows are UTC days. Pure functions of event times.
import { invariant } from '../errors.js';
import { EPOCH_MONDAY_S, isoWeekStartS, isoYearWeek } from '../time/iso-week.js';
import { DURATION_UNIT_S } from './duration.js';

/** One window: its start (inclusive) and end (exclusive) in unix seconds, and its id (see windowId). */
export interface EventWindow {
  startS: number;
  endS: number;
  id: string;
}

/** An event before the open window's start: late (method.md §5a). */
export const EVENT_LATE = -1;
/** An event inside the open window. */
export const EVENT_IN_WINDOW = 0;
/** An event at or after the open window's end: it belongs to a later window. */
export const EVENT_AHEAD = 1;
export type EventPlace = typeof EVENT_LATE | typeof EVENT_IN_WINDOW | typeof EVENT_AHEAD;

function checkLength(lengthS: number): void {
  invariant(Number.isSafeInteger(lengthS) && lengthS > 0, `a window length is a positive whole number of seconds, got ${lengthS}`);
}

/** Start of the window of length `lengthS` that holds `eventTimeS` (windows aligned to Monday 1970-01-05 00:00 UTC). */
export function windowStartS(eventTimeS: number, lengthS: number): number {
  checkLength(lengthS);
  // A remainder, not floor(t / L) · L: exact on whole seconds, and correct before the origin (negative offsets).
  const offset = eventTimeS - EPOCH_MONDAY_S;
  const r = offset % lengthS;
  return eventTimeS - (r < 0 ? r + lengthS : r);
}

/** The window of length `lengthS` that holds `eventTimeS`. */
export function windowAt(eventTimeS: number, lengthS: number): EventWindow {
  const startS = windowStartS(eventTimeS, lengthS);
  return { startS, endS: startS + lengthS, id: windowId(startS, lengthS) };
}

/**
 * The id of the window starting at `startS`: its start at the resolution the length needs, the same in every run
 * and sorting in time order as a string among windows of one length (fixed width, most significant field first):
 * `2015-W34` (ISO week-year and week) when the length is whole weeks, `2015-08-17` for whole days, `2015-08-17T06`
 * for whole hours, `2015-08-17T06:30` for whole minutes, `2015-08-17T06:30:15` otherwise.
 */
export function windowId(startS: number, lengthS: number): string {
  checkLength(lengthS);
  invariant(windowStartS(startS, lengthS) === startS, `${startS} is not the start of a ${lengthS} s window`);
  if (lengthS % DURATION_UNIT_S.w === 0) {
    // Window starts are Mondays, so the ISO week-year is the year of the week's Thursday, e.g. Monday
    // 2018-12-31 is 2019-W01 and Monday 2020-12-28 is 2020-W53: ids still sort in time order.
    const yearWeek = isoYearWeek(startS);
    return `${Math.floor(yearWeek / 100)}-W${String(yearWeek % 100).padStart(2, '0')}`;
  }
  const iso = new Date(startS * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ for the years events can have
  if (lengthS % DURATION_UNIT_S.d === 0) return iso.slice(0, 10);
  if (lengthS % DURATION_UNIT_S.h === 0) return iso.slice(0, 13);
  if (lengthS % DURATION_UNIT_S.m === 0) return iso.slice(0, 16);
  return iso.slice(0, 19);
}

/** Where an event falls relative to the open window: late (before its start), inside, or ahead (at or after its end). */
export function placeEvent(eventTimeS: number, window: Readonly<EventWindow>): EventPlace {
  if (eventTimeS < window.startS) return EVENT_LATE;
  return eventTimeS < window.endS ? EVENT_IN_WINDOW : EVENT_AHEAD;
}

/** Whether an event is late for the open window starting at `openStartS` (method.md §5a). */
export function isLate(eventTimeS: number, openStartS: number): boolean {
  return eventTimeS < openStartS;
}

/**
 * Whether a window may close: the watermark (no event at an earlier time is still to come, late ones apart) has
 * reached its end. The end of the input closes it too: the caller passes Infinity as the watermark then.
 */
export function windowCanClose(window: Readonly<EventWindow>, watermarkS: number): boolean {
  return watermarkS >= window.endS;
}

/** Event time of an impression: 00:00 UTC on the Monday of its ISO (year, week) (method.md §5a). */
export function impressionTimeS(year: number, week: number): number {
  return isoWeekStartS(year, week);
}
