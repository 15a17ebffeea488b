// Number formatting for reports: fixed, locale-free, so the same numbers always give the same bytes
// (toLocaleString depends on the host's ICU data and locale; toFixed is specified exactly by ECMAScript).

/** Fixed-point with `digits` decimals; "-0.000" becomes "0.000"; non-finite values print as "n/a". */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const s = x.toFixed(digits);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** An integer with "," between groups of three digits (e.g. 819,226), independent of the locale. */
export function formatInteger(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  const rounded = Math.round(n);
  const digits = Math.abs(rounded).toString();
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return rounded < 0 ? `-${out}` : out;
}

/** A count that may be fractional (a median of an even count): integer form when whole, else one decimal. */
export function formatCount(x: number): string {
  return Number.isInteger(x) ? formatInteger(x) : formatFixed(x, 1);
}

/** A p-value: three decimals from 0.001 up, "3.2e-5" below, "< 1e-300" when it underflowed to 0, "n/a" for null. */
export function formatPValue(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return 'n/a';
  if (p === 0) return '< 1e-300';
  if (p >= 0.001) return p.toFixed(3);
  return p.toExponential(1);
}

/** A fraction in [0, 1] as a percentage with three decimals; never rounds a value below 1 up to "100.000%". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a';
  const s = formatFixed(fraction * 100, 3);
  if (s === '100.000' && fraction < 1) return '> 99.999%';
  return `${s}%`;
}

/** Escapes the five XML special characters, for SVG text and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

/** Escapes the characters that would break a Markdown table cell. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
