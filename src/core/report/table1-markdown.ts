// The paper's Table 1 (dataset statistics) as Markdown, before and after subsampling (issue 2's
// `stats --json` shape, src/core/stats/table1.ts). The one Table 1 renderer: `stats`, `reproduce` and
// report.md all print this, so labels and roundings agree everywhere (issue 9).
import type { Table1 } from '../stats/table1.js';
import { formatCount, formatFixed, formatInteger, formatPercent } from './format.js';

interface Row {
  label: string;
  value: (t: Table1) => string;
}

const ROWS: readonly Row[] = [
  { label: 'Users', value: (t) => formatInteger(t.users) },
  { label: 'Offers', value: (t) => formatInteger(t.offers) },
  { label: 'Dyads (observations)', value: (t) => formatInteger(t.dyads) },
  { label: 'Dyads per user, mean / median', value: (t) => `${formatFixed(t.perUser.interactionsMean, 2)} / ${formatCount(t.perUser.interactionsMedian)}` },
  { label: 'Users per offer, mean / median', value: (t) => `${formatFixed(t.perOffer.usersMean, 2)} / ${formatCount(t.perOffer.usersMedian)}` },
  { label: 'Displayed per user (mean)', value: (t) => formatFixed(t.perUser.displayed, 2) },
  { label: 'Clicked per user (mean)', value: (t) => formatFixed(t.perUser.clicked, 2) },
  { label: 'Bookmarked per user (mean)', value: (t) => formatFixed(t.perUser.bookmarked, 2) },
  { label: 'Replied per user (mean)', value: (t) => formatFixed(t.perUser.replied, 2) },
  { label: 'Sparsity', value: (t) => formatPercent(t.sparsity) },
];

/** What the "after" column says about the subsampling that made it. */
export interface Table1Labels {
  /** The thresholds: the column reads "After subsampling (items ≥ 30 users, users ≥ 30 items)". */
  subsample?: { minItemUsers: number; minUserItems: number };
}

/**
 * Renders Table 1 as a Markdown table with one column per dataset state: "before subsampling" (omitted
 * when `before` is null) and "after subsampling". Sparsity is a fraction, printed as a percentage.
 */
export function renderTable1Markdown(before: Table1 | null, after: Table1, labels: Table1Labels = {}): string {
  const lines: string[] = [];
  const t = labels.subsample;
  const afterLabel = t ? `After subsampling (items ≥ ${t.minItemUsers} users, users ≥ ${t.minUserItems} items)` : 'After subsampling';
  if (before) {
    lines.push(`| | Before subsampling | ${afterLabel} |`);
    lines.push('|---|---:|---:|');
    for (const row of ROWS) lines.push(`| ${row.label} | ${row.value(before)} | ${row.value(after)} |`);
  } else {
    lines.push('| | Dataset |');
    lines.push('|---|---:|');
    for (const row of ROWS) lines.push(`| ${row.label} | ${row.value(after)} |`);
  }
  return lines.join('\n') + '\n';
}
