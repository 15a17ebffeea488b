// Event-time windows, durations and the watermark of the stream (method.md §5a): pure functions of event times.
export { DURATION_UNIT_S, formatDuration, parseDuration, type DurationParse, type DurationUnit } from './duration.js';
export {
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
  type EventPlace,
  type EventWindow,
} from './window.js';
export { WatermarkTracker } from './watermark.js';
