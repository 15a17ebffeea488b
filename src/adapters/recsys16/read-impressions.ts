// impressions.csv → batches of records (issue 2, item 4). `items` is a comma-separated list that can hold
// hundreds of ids, parsed straight from the bytes; every record goes through the compiled impression validator.
import type { ImpressionRecord } from '../../core/events/records.js';
import { validateImpression } from '../schemas/validators.js';
import type { DeadLetterSink } from './bad-row.js';
import { IMPRESSION_COLUMNS } from './format.js';
import { MAX_LINE_BYTES, notANumber, parseNumber, scanLines, splitTabs } from './lines.js';

/** What reading impressions.csv saw: `rows` data lines = `kept` + `badRows`; `triples` = items in kept rows. */
export interface ImpressionReadSummary {
  rows: number;
  kept: number;
  triples: number;
  badRows: number;
}

/** One batch of impressions with each record's 1-based line number in the file. */
export interface ImpressionBatch {
  records: ImpressionRecord[];
  lines: number[];
}

const DEFAULT_BATCH_ROWS = 4096;

const FIELD_STARTS = new Int32Array(IMPRESSION_COLUMNS.length);
const FIELD_ENDS = new Int32Array(IMPRESSION_COLUMNS.length);

/**
 * Parses and validates the data line `buf[s, e)` of impressions.csv into `rec` (its `items` array is emptied and
 * refilled). Returns null for a valid record, else the reason it is a bad row. The one per-line rule of every
 * reader of the file.
 */
export function parseImpressionLine(buf: Buffer, s: number, e: number, rec: ImpressionRecord): string | null {
  const names = IMPRESSION_COLUMNS;
  const ncol = names.length;
  const fieldStarts = FIELD_STARTS;
  const fieldEnds = FIELD_ENDS;
  if (s === e) return 'empty line';
  const n = splitTabs(buf, s, e, fieldStarts, fieldEnds, ncol);
  if (n !== ncol) return `expected ${ncol} tab-separated columns, found ${n}`;
  const userId = parseNumber(buf, fieldStarts[0]!, fieldEnds[0]!);
  const year = parseNumber(buf, fieldStarts[1]!, fieldEnds[1]!);
  const week = parseNumber(buf, fieldStarts[2]!, fieldEnds[2]!);
  if (userId !== userId || year !== year || week !== week) {
    const k = userId !== userId ? 0 : year !== year ? 1 : 2;
    return notANumber(names[k]!, buf, fieldStarts[k]!, fieldEnds[k]!);
  }
  // The item list: ids separated by commas; an empty list is left to the schema (minItems 1).
  const items = rec.items;
  items.length = 0;
  const is = fieldStarts[3]!;
  const ie = fieldEnds[3]!;
  if (ie > is) {
    let fs = is;
    for (let p = is; p <= ie; p++) {
      if (p === ie || buf[p] === 44) {
        const v = parseNumber(buf, fs, p);
        if (v !== v) return notANumber(`items.${items.length}`, buf, fs, p);
        items.push(v);
        fs = p + 1;
      }
    }
  }
  rec.user_id = userId;
  rec.year = year;
  rec.week = week;
  const v = validateImpression(rec);
  return v.ok ? null : v.reason;
}

/** Streams impressions.csv in batches of records; bad rows go to the dead letters and reading goes on. */
export async function* readImpressionBatches(
  path: string,
  opts: { deadLetters: DeadLetterSink; batchRows?: number },
): AsyncGenerator<ImpressionBatch, ImpressionReadSummary> {
  const batchRows = Math.max(1, Math.floor(opts.batchRows ?? DEFAULT_BATCH_ROWS) || DEFAULT_BATCH_ROWS);
  const sink = opts.deadLetters;
  const summary: ImpressionReadSummary = { rows: 0, kept: 0, triples: 0, badRows: 0 };
  let records: ImpressionRecord[] = [];
  let lines: number[] = [];

  const onLongLine = (line: number, head: string): void => {
    summary.rows++;
    summary.badRows++;
    sink.add({ file: path, line, reason: `line longer than ${MAX_LINE_BYTES} bytes (skipped)`, raw: head + '…' });
  };
  for await (const chunk of scanLines(path, IMPRESSION_COLUMNS, { onLongLine })) {
    await sink.flush?.();
    const { buf, starts, ends, lineNos } = chunk;
    for (let i = 0; i < chunk.count; i++) {
      const s = starts[i]!;
      const e = ends[i]!;
      summary.rows++;
      // A fresh record per line: the batch keeps it.
      const record: ImpressionRecord = { user_id: 0, year: 0, week: 0, items: [] };
      const reason = parseImpressionLine(buf, s, e, record);
      if (reason !== null) {
        summary.badRows++;
        sink.add({ file: path, line: lineNos[i]!, reason, raw: buf.toString('utf8', s, e) });
        continue;
      }
      records.push(record);
      lines.push(lineNos[i]!);
      summary.kept++;
      summary.triples += record.items.length;
      if (records.length === batchRows) {
        yield { records, lines };
        records = [];
        lines = [];
      }
    }
  }
  if (records.length > 0) yield { records, lines };
  return summary;
}
