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

/** Streams impressions.csv in batches of records; bad rows go to the dead letters and reading goes on. */
export async function* readImpressionBatches(
  path: string,
  opts: { deadLetters: DeadLetterSink; batchRows?: number },
): AsyncGenerator<ImpressionBatch, ImpressionReadSummary> {
  const batchRows = Math.max(1, Math.floor(opts.batchRows ?? DEFAULT_BATCH_ROWS) || DEFAULT_BATCH_ROWS);
  const sink = opts.deadLetters;
  const names = IMPRESSION_COLUMNS;
  const ncol = names.length;
  const fieldStarts = new Int32Array(ncol);
  const fieldEnds = new Int32Array(ncol);
  const summary: ImpressionReadSummary = { rows: 0, kept: 0, triples: 0, badRows: 0 };
  let records: ImpressionRecord[] = [];
  let lines: number[] = [];

  const bad = (buf: Buffer, s: number, e: number, line: number, reason: string): void => {
    summary.badRows++;
    sink.add({ file: path, line, reason, raw: buf.toString('utf8', s, e) });
  };

  const onLongLine = (line: number, head: string): void => {
    summary.rows++;
    summary.badRows++;
    sink.add({ file: path, line, reason: `line longer than ${MAX_LINE_BYTES} bytes (skipped)`, raw: head + '…' });
  };
  for await (const chunk of scanLines(path, names, { onLongLine })) {
    await sink.flush?.();
    const { buf, starts, ends, lineNos } = chunk;
    for (let i = 0; i < chunk.count; i++) {
      const s = starts[i]!;
      const e = ends[i]!;
      const line = lineNos[i]!;
      summary.rows++;
      if (s === e) {
        bad(buf, s, e, line, 'empty line');
        continue;
      }
      const n = splitTabs(buf, s, e, fieldStarts, fieldEnds, ncol);
      if (n !== ncol) {
        bad(buf, s, e, line, `expected ${ncol} tab-separated columns, found ${n}`);
        continue;
      }
      const userId = parseNumber(buf, fieldStarts[0]!, fieldEnds[0]!);
      const year = parseNumber(buf, fieldStarts[1]!, fieldEnds[1]!);
      const week = parseNumber(buf, fieldStarts[2]!, fieldEnds[2]!);
      if (userId !== userId || year !== year || week !== week) {
        const k = userId !== userId ? 0 : year !== year ? 1 : 2;
        bad(buf, s, e, line, notANumber(names[k]!, buf, fieldStarts[k]!, fieldEnds[k]!));
        continue;
      }
      // The item list: ids separated by commas; an empty list is left to the schema (minItems 1).
      const items: number[] = [];
      const is = fieldStarts[3]!;
      const ie = fieldEnds[3]!;
      let badItem = -1;
      let badStart = 0;
      let badEnd = 0;
      if (ie > is) {
        let fs = is;
        for (let p = is; p <= ie; p++) {
          if (p === ie || buf[p] === 44) {
            const v = parseNumber(buf, fs, p);
            if (v !== v) {
              badItem = items.length;
              badStart = fs;
              badEnd = p;
              break;
            }
            items.push(v);
            fs = p + 1;
          }
        }
      }
      if (badItem >= 0) {
        bad(buf, s, e, line, notANumber(`items.${badItem}`, buf, badStart, badEnd));
        continue;
      }
      const record: ImpressionRecord = { user_id: userId, year, week, items };
      const v = validateImpression(record);
      if (!v.ok) {
        bad(buf, s, e, line, v.reason);
        continue;
      }
      records.push(record);
      lines.push(line);
      summary.kept++;
      summary.triples += items.length;
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
