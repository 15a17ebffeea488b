// users.csv / items.csv → ProfileTable of the contextual fields (method.md §4). `NULL` and empty fields are
// values (0), not bad rows; country is encoded; a row with the wrong column count or a bad id is a bad row.
import { encodeCountry, ITEM_PROFILE_FIELDS, USER_PROFILE_FIELDS } from '../../core/events/records.js';
import type { ProfileTable } from '../../core/events/tables.js';
import type { DeadLetterSink } from './bad-row.js';
import { ITEM_COLUMNS, USER_COLUMNS } from './format.js';
import { MAX_LINE_BYTES, notANumber, parseNumber, scanLines, splitTabs } from './lines.js';

const INT32_MAX = 2147483647;

function isNullField(buf: Buffer, s: number, e: number): boolean {
  // "NULL"
  return e - s === 4 && buf[s] === 78 && buf[s + 1] === 85 && buf[s + 2] === 76 && buf[s + 3] === 76;
}

/** users.csv / items.csv → ProfileTable of the contextual fields (USER_PROFILE_FIELDS / ITEM_PROFILE_FIELDS). */
export async function readProfiles(path: string, kind: 'users' | 'items', opts: { deadLetters: DeadLetterSink }): Promise<ProfileTable> {
  const columns: readonly string[] = kind === 'users' ? USER_COLUMNS : ITEM_COLUMNS;
  const fields: readonly string[] = kind === 'users' ? USER_PROFILE_FIELDS : ITEM_PROFILE_FIELDS;
  const fieldCount = fields.length;
  const colOf = Int32Array.from(fields, (f) => columns.indexOf(f));
  const countryField = fields.indexOf('country');
  const ncol = columns.length;
  const fieldStarts = new Int32Array(ncol);
  const fieldEnds = new Int32Array(ncol);
  const sink = opts.deadLetters;

  let cap = 1024;
  let ids = new Int32Array(cap);
  let values = new Int32Array(cap * fieldCount);
  let lines = new Float64Array(cap);
  let n = 0;
  const row = new Int32Array(fieldCount);

  const onLongLine = (line: number, head: string): void =>
    sink.add({ file: path, line, reason: `line longer than ${MAX_LINE_BYTES} bytes (skipped)`, raw: head + '…' });
  for await (const chunk of scanLines(path, columns, { onLongLine })) {
    await sink.flush?.();
    const { buf, starts, ends, lineNos } = chunk;
    rows: for (let i = 0; i < chunk.count; i++) {
      const s = starts[i]!;
      const e = ends[i]!;
      const line = lineNos[i]!;
      const bad = (reason: string): void => sink.add({ file: path, line, reason, raw: buf.toString('utf8', s, e) });
      if (s === e) {
        bad('empty line');
        continue;
      }
      const found = splitTabs(buf, s, e, fieldStarts, fieldEnds, ncol);
      if (found !== ncol) {
        bad(`expected ${ncol} tab-separated columns, found ${found}`);
        continue;
      }
      const id = parseNumber(buf, fieldStarts[0]!, fieldEnds[0]!);
      if (id !== id) {
        bad(notANumber('id', buf, fieldStarts[0]!, fieldEnds[0]!));
        continue;
      }
      if (!Number.isInteger(id) || id < 0 || id > INT32_MAX) {
        bad(`id must be an integer in 0..${INT32_MAX}`);
        continue;
      }
      for (let f = 0; f < fieldCount; f++) {
        const fs = fieldStarts[colOf[f]!]!;
        const fe = fieldEnds[colOf[f]!]!;
        if (fs === fe || isNullField(buf, fs, fe)) {
          row[f] = 0;
        } else if (f === countryField) {
          row[f] = encodeCountry(buf.toString('latin1', fs, fe));
        } else {
          const v = parseNumber(buf, fs, fe);
          if (v !== v) {
            bad(notANumber(fields[f]!, buf, fs, fe));
            continue rows;
          }
          if (!Number.isInteger(v) || v < -INT32_MAX - 1 || v > INT32_MAX) {
            bad(`${fields[f]!} must be an integer (Int32)`);
            continue rows;
          }
          row[f] = v;
        }
      }
      if (n === cap) {
        cap *= 2;
        ids = grow(ids, cap);
        values = grow(values, cap * fieldCount);
        const l = new Float64Array(cap);
        l.set(lines);
        lines = l;
      }
      ids[n] = id;
      values.set(row, n * fieldCount);
      lines[n] = line;
      n++;
    }
  }

  // Ascending ids; a repeated id keeps its first row and the later ones are bad rows.
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => ids[a]! - ids[b]! || a - b);
  const outIds = new Int32Array(n);
  const outValues = new Int32Array(n * fieldCount);
  const duplicates = new Map<number, string>(); // line → reason
  let m = 0;
  let firstIx = -1;
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    if (m > 0 && outIds[m - 1] === ids[i]) {
      duplicates.set(lines[i]!, `duplicate id ${ids[i]!} (first on line ${lines[firstIx]!})`);
      continue;
    }
    firstIx = i;
    outIds[m] = ids[i]!;
    outValues.set(values.subarray(i * fieldCount, (i + 1) * fieldCount), m * fieldCount);
    m++;
  }
  if (duplicates.size > 0) await deadLetterDuplicates(path, columns, duplicates, sink);
  return { fieldCount, ids: outIds.slice(0, m), values: outValues.slice(0, m * fieldCount) };
}

/**
 * Dead-letters the duplicate rows with their own text, in line order. Their text is gone by the time they are
 * known (the read buffer is reused), so the file is read again for them: duplicates are rare, a clean file is
 * read once.
 */
async function deadLetterDuplicates(path: string, columns: readonly string[], reasons: Map<number, string>, sink: DeadLetterSink): Promise<void> {
  for await (const chunk of scanLines(path, columns, { onLongLine: () => {} })) {
    for (let i = 0; i < chunk.count; i++) {
      const line = chunk.lineNos[i]!;
      const reason = reasons.get(line);
      if (reason !== undefined) sink.add({ file: path, line, reason, raw: chunk.buf.toString('utf8', chunk.starts[i]!, chunk.ends[i]!) });
    }
    await sink.flush?.();
  }
}

function grow(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
