// A small deterministic SVG line chart (dependencies.md: our own writer, no DOM): loss curves per task.
// Same input, same bytes: coordinates are printed with two decimals, tick labels from the tick step,
// colours from a fixed palette in series order. A chart never misleads quietly (issue 9): one with no data
// says so, and a y axis that does not reach 0 says where it starts.
import { escapeXml, formatFixed } from './format.js';

/** One line: values at x = xStart, xStart + 1, ... (epochs); non-finite values leave a gap. */
export interface LineSeries {
  name: string;
  values: ArrayLike<number>;
}

/** What to draw. */
export interface LineChartSpec {
  title: string;
  /** A line under the title saying what is plotted (e.g. how the loss is defined). */
  subtitle?: string;
  /** What the chart says when no series has a finite value (default "no data to plot"). */
  noDataText?: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** x of the first value (default 1: epochs count from 1). */
  xStart?: number;
  width?: number;
  height?: number;
}

/** Series colours, in order (a colour-blind-aware categorical palette). */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const;

/**
 * A "nice" number near x: 1, 2, 5 or 10 times a power of ten (P. Heckbert, "Nice numbers for graph
 * labels", Graphics Gems, 1990), rounded when `round`, else the ceiling.
 */
function niceNumber(x: number, round: boolean): number {
  const exponent = Math.floor(Math.log10(x));
  const fraction = x / 10 ** exponent;
  let nice: number;
  if (round) nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * 10 ** exponent;
}

/** Axis ticks covering [min, max] with about `count` nice steps; the axis range extends to whole steps. */
function niceTicks(min: number, max: number, count: number, integerStep: boolean): { lo: number; hi: number; step: number; ticks: number[]; decimals: number } {
  const range = niceNumber(max - min, false);
  let step = niceNumber(range / Math.max(1, count - 1), true);
  if (integerStep) step = Math.max(1, Math.round(step));
  if (!(step > 0 && Number.isFinite(step)) || (max - min) / step > 100) {
    // Unreachable for the ranges renderLineChartSvg passes; a guard against a runaway tick loop.
    return { lo: min, hi: max, step: max - min, ticks: [min, max], decimals: 3 };
  }
  const kLo = Math.floor(min / step + 1e-9);
  const kHi = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let k = kLo; k <= kHi; k++) ticks.push(k * step);
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return { lo: kLo * step, hi: kHi * step, step, ticks, decimals };
}

const c = (x: number): string => formatFixed(x, 2);

/**
 * Renders a line chart as a standalone SVG document (title, axes with ticks and labels, one path per
 * series, a legend). Deterministic: no randomness, no clock, fixed number formatting.
 */
export function renderLineChartSvg(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  const xStart = spec.xStart ?? 1;
  const left = 72;
  const right = 160;
  const bottom = 52;

  let yMin = Infinity;
  let yMax = -Infinity;
  let maxLength = 0;
  for (const s of spec.series) {
    maxLength = Math.max(maxLength, s.values.length);
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < yMin) yMin = v;
      if (v > yMax) yMax = v;
    }
  }
  const hasData = yMin <= yMax;
  if (!hasData) {
    yMin = 0;
    yMax = 1;
  } else if (yMax - yMin <= Math.max(Math.abs(yMin), Math.abs(yMax)) * 1e-9) {
    // Flat (or flat up to rounding): pad so the tick step stays a normal number.
    const pad = Math.max(Math.abs(yMin), Math.abs(yMax)) * 0.1 || 1;
    yMin -= pad;
    yMax += pad;
  }
  if (yMax - yMin < 1e-9) {
    // Spans this small only come from denormal-sized values; widen so ticks stay printable.
    const mid = (yMin + yMax) / 2;
    yMin = mid - 5e-10;
    yMax = mid + 5e-10;
  }

  const xMin = xStart;
  const xMax = Math.max(xStart + 1, xStart + maxLength - 1);
  const yAxis = niceTicks(yMin, yMax, 6, false);
  const xAxis = niceTicks(xMin, xMax, 8, true);
  // An axis that does not reach 0 magnifies differences: say so above the plot.
  const yNote =
    hasData && (yAxis.lo > 0 || yAxis.hi < 0)
      ? `note: the y axis runs from ${formatFixed(yAxis.lo, yAxis.decimals)} to ${formatFixed(yAxis.hi, yAxis.decimals)}, not from 0`
      : null;
  const headLines = [spec.subtitle ?? null, yNote].filter((t): t is string => t !== null);
  const top = 40 + 16 * headLines.length;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xLo = xMin;
  const xHi = xMax;
  const px = (x: number): number => left + ((x - xLo) / (xHi - xLo)) * plotW;
  const py = (y: number): number => top + plotH - ((y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * plotH;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<title>${escapeXml(spec.title)}</title>`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${c(left + plotW / 2)}" y="22" text-anchor="middle" font-size="15">${escapeXml(spec.title)}</text>`);
  headLines.forEach((line, i) => {
    out.push(`<text x="${c(left + plotW / 2)}" y="${c(40 + 16 * i)}" text-anchor="middle" font-size="11" fill="#555555">${escapeXml(line)}</text>`);
  });

  if (!hasData) {
    // No finite value anywhere: the frame says so rather than showing empty axes.
    out.push(`<rect x="${c(left)}" y="${c(top)}" width="${c(plotW)}" height="${c(plotH)}" fill="none" stroke="#333333" stroke-width="1"/>`);
    out.push(`<text x="${c(left + plotW / 2)}" y="${c(top + plotH / 2)}" text-anchor="middle" font-size="14" fill="#555555">${escapeXml(spec.noDataText ?? 'no data to plot')}</text>`);
    out.push('</svg>');
    return out.join('\n') + '\n';
  }

  // Grid and ticks.
  out.push('<g stroke="#e0e0e0" stroke-width="1">');
  for (const t of yAxis.ticks) out.push(`<line x1="${c(left)}" y1="${c(py(t))}" x2="${c(left + plotW)}" y2="${c(py(t))}"/>`);
  for (const t of xAxis.ticks) {
    if (t < xLo || t > xHi) continue;
    out.push(`<line x1="${c(px(t))}" y1="${c(top)}" x2="${c(px(t))}" y2="${c(top + plotH)}"/>`);
  }
  out.push('</g>');
  out.push(`<rect x="${c(left)}" y="${c(top)}" width="${c(plotW)}" height="${c(plotH)}" fill="none" stroke="#333333" stroke-width="1"/>`);
  out.push('<g text-anchor="end">');
  for (const t of yAxis.ticks) out.push(`<text x="${c(left - 6)}" y="${c(py(t) + 4)}">${formatFixed(t, yAxis.decimals)}</text>`);
  out.push('</g>');
  out.push('<g text-anchor="middle">');
  for (const t of xAxis.ticks) {
    if (t < xLo || t > xHi) continue;
    out.push(`<text x="${c(px(t))}" y="${c(top + plotH + 18)}">${formatFixed(t, xAxis.decimals)}</text>`);
  }
  out.push('</g>');
  out.push(`<text x="${c(left + plotW / 2)}" y="${c(height - 12)}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${c(top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${c(top + plotH / 2)})">${escapeXml(spec.yLabel)}</text>`,
  );

  // Series: a path per series, restarting after gaps; lone points get a dot.
  spec.series.forEach((s, index) => {
    const colour = PALETTE[index % PALETTE.length]!;
    let d = '';
    const dots: string[] = [];
    let runStart = -1;
    for (let i = 0; i <= s.values.length; i++) {
      const v = i < s.values.length ? s.values[i]! : NaN;
      if (Number.isFinite(v)) {
        d += `${runStart < 0 ? (d === '' ? 'M' : ' M') : ' L'}${c(px(xStart + i))} ${c(py(v))}`;
        if (runStart < 0) runStart = i;
      } else {
        if (runStart >= 0 && i - runStart === 1) dots.push(`<circle cx="${c(px(xStart + runStart))}" cy="${c(py(s.values[runStart]!))}" r="2.5" fill="${colour}"/>`);
        runStart = -1;
      }
    }
    out.push(`<g><title>${escapeXml(s.name)}</title>`);
    if (d !== '') out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    out.push(...dots);
    out.push('</g>');
  });

  // Legend, right of the plot.
  out.push('<g>');
  spec.series.forEach((s, index) => {
    const colour = PALETTE[index % PALETTE.length]!;
    const y = top + 10 + index * 18;
    out.push(`<line x1="${c(left + plotW + 12)}" y1="${c(y)}" x2="${c(left + plotW + 32)}" y2="${c(y)}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${c(left + plotW + 38)}" y="${c(y + 4)}">${escapeXml(s.name)}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n') + '\n';
}
