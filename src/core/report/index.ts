// Public API of the report builders: pure Markdown and SVG strings, deterministic bytes.
export { escapeMarkdownCell, escapeXml, formatCount, formatFixed, formatInteger, formatPercent, formatPValue } from './format.js';
export { FIG2_TASK_LABELS, renderFig2Markdown } from './fig2-markdown.js';
export type { Fig2MarkdownOptions } from './fig2-markdown.js';
export { renderTable1Markdown, type Table1Labels } from './table1-markdown.js';
export { renderLineChartSvg } from './line-chart-svg.js';
export type { LineChartSpec, LineSeries } from './line-chart-svg.js';
