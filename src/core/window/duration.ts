// Durations in one syntax everywhere (issue 11, item 5): a whole number with an optional unit, `10s`, `30m`, `6h`,
// `1d`, `1w` (or `2w`, `90m`, ...); a bare number is seconds. Values are whole seconds.
import { invariant } from '../errors.js';

/** Seconds per duration unit. */
export const DURATION_UNIT_S = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;
export type DurationUnit = keyof typeof DURATION_UNIT_S;

/** A parsed duration, or the reason the text is not one (the reason quotes the text). */
export type DurationParse = { ok: true; seconds: number } | { ok: false; reason: string };

const DURATION = /^(\d+)([smhdw]?)$/;

/**
 * Parses `10s`, `30m`, `6h`, `1d`, `1w`, or a bare number of seconds into whole seconds. Zero is refused unless
 * `allowZero` (a window or a timeout of zero means nothing). Core throws only on bugs, so a bad text is a result
 * the caller turns into its own error (the CLI: exit 2 naming the flag).
 */
export function parseDuration(text: string, opts: { allowZero?: boolean } = {}): DurationParse {
  const m = DURATION.exec(text);
  if (m === null)
    return {
      ok: false,
      reason: `${JSON.stringify(text)} is not a duration: expected a whole number with an optional unit s, m, h, d or w (e.g. 90m, 1w; a bare number is seconds)`,
    };
  const seconds = Number(m[1]) * DURATION_UNIT_S[(m[2] || 's') as DurationUnit];
  if (!Number.isSafeInteger(seconds)) return { ok: false, reason: `${JSON.stringify(text)} is too long a duration` };
  if (seconds === 0 && !opts.allowZero) return { ok: false, reason: `${JSON.stringify(text)} is not a duration: it must be longer than zero` };
  return { ok: true, seconds };
}

/** The canonical text of a duration: the largest unit that divides it (`1209600` → `2w`, `5400` → `90m`). */
export function formatDuration(seconds: number): string {
  invariant(Number.isSafeInteger(seconds) && seconds >= 0, `a duration is a non-negative whole number of seconds, got ${seconds}`);
  if (seconds === 0) return '0s';
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    const u = DURATION_UNIT_S[unit];
    if (seconds % u === 0) return `${seconds / u}${unit}`;
  }
  return `${seconds}s`;
}
