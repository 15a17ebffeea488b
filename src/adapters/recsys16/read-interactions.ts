// interactions.csv → columnar batches (issue 2, item 4). Every row goes through the compiled interaction
// validator; deletes (type 4) are dropped and counted at ingest (method.md §1).
import type { InteractionRecord } from '../../core/events/records.js';
import { INTERACTION_TYPE } from '../../core/events/records.js';
import type { InteractionTable } from '../../core/events/tables.js';
import { validateInteraction, validatorFor } from '../schemas/validators.js';
import type { DeadLetterSink } from './bad-row.js';
import { INTERACTION_COLUMNS } from './format.js';
import { MAX_LINE_BYTES, notANumber, parseNumber, scanLines, splitTabs } from './lines.js';

/** What reading interactions.csv saw: `rows` data lines = `kept` + `droppedDeletes` + `badRows`. */
export interface InteractionReadSummary {
  rows: number;
  kept: number;
  droppedDeletes: number;
  badRows: number;
}

/** One batch of interactions, with each row's 1-based line number in the file. */
export type InteractionBatch = InteractionTable & { lines: Float64Array };

const DEFAULT_BATCH_ROWS = 65536;

function newBatch(n: number): InteractionBatch {
  return {
    length: 0,
    userIds: new Int32Array(n),
    itemIds: new Int32Array(n),
    types: new Uint8Array(n),
    createdAtS: new Float64Array(n),
    lines: new Float64Array(n),
  };
}

function trimBatch(b: InteractionBatch): InteractionBatch {
  const n = b.length;
  return {
    length: n,
    userIds: b.userIds.subarray(0, n),
    itemIds: b.itemIds.subarray(0, n),
    types: b.types.subarray(0, n),
    createdAtS: b.createdAtS.subarray(0, n),
    lines: b.lines.subarray(0, n),
  };
}

/** The fields of one interactions.csv row (what parseInteractionLine fills in). */
export type InteractionFields = { [K in keyof InteractionRecord]: number };

const FIELD_STARTS = new Int32Array(INTERACTION_COLUMNS.length);
const FIELD_ENDS = new Int32Array(INTERACTION_COLUMNS.length);
let validate: ((rec: unknown) => boolean) | undefined; // compiled at first use

/**
 * Parses and validates the data line `buf[s, e)` of interactions.csv into `rec` (deletes included). Returns null
 * for a valid row, else the reason it is a bad row (`rec` then holds nothing reliable). The one per-line rule of
 * every reader of the file.
 */
export function parseInteractionLine(buf: Buffer, s: number, e: number, rec: InteractionFields): string | null {
  const names = INTERACTION_COLUMNS;
  const ncol = names.length;
  const fieldStarts = FIELD_STARTS;
  const fieldEnds = FIELD_ENDS;
  if (s === e) return 'empty line';
  const n = splitTabs(buf, s, e, fieldStarts, fieldEnds, ncol);
  if (n !== ncol) return `expected ${ncol} tab-separated columns, found ${n}`;
  const userId = parseNumber(buf, fieldStarts[0]!, fieldEnds[0]!);
  const itemId = parseNumber(buf, fieldStarts[1]!, fieldEnds[1]!);
  const type = parseNumber(buf, fieldStarts[2]!, fieldEnds[2]!);
  const createdAtS = parseNumber(buf, fieldStarts[3]!, fieldEnds[3]!);
  if (userId !== userId || itemId !== itemId || type !== type || createdAtS !== createdAtS) {
    const k = userId !== userId ? 0 : itemId !== itemId ? 1 : type !== type ? 2 : 3;
    return notANumber(names[k]!, buf, fieldStarts[k]!, fieldEnds[k]!);
  }
  rec.user_id = userId;
  rec.item_id = itemId;
  rec.interaction_type = type;
  rec.created_at = createdAtS;
  validate ??= validatorFor<InteractionRecord>('interaction.schema.json');
  if (!validate(rec)) {
    const v = validateInteraction(rec);
    return v.ok ? 'invalid record' : v.reason;
  }
  return null;
}

/** Streams interactions.csv in batches (columnar). Deletes (type 4) are dropped and counted unless keepDeletes. */
export async function* readInteractionBatches(
  path: string,
  opts: { deadLetters: DeadLetterSink; keepDeletes?: boolean; batchRows?: number },
): AsyncGenerator<InteractionBatch, InteractionReadSummary> {
  const batchRows = Math.max(1, Math.floor(opts.batchRows ?? DEFAULT_BATCH_ROWS) || DEFAULT_BATCH_ROWS);
  const keepDeletes = opts.keepDeletes ?? false;
  const sink = opts.deadLetters;
  // One record object reused for every row: the validator reads it, nothing keeps it.
  const rec: InteractionFields = { user_id: 0, item_id: 0, interaction_type: 1, created_at: 0 };
  const summary: InteractionReadSummary = { rows: 0, kept: 0, droppedDeletes: 0, badRows: 0 };
  let batch = newBatch(batchRows);

  const onLongLine = (line: number, head: string): void => {
    summary.rows++;
    summary.badRows++;
    sink.add({ file: path, line, reason: `line longer than ${MAX_LINE_BYTES} bytes (skipped)`, raw: head + '…' });
  };
  for await (const chunk of scanLines(path, INTERACTION_COLUMNS, { onLongLine })) {
    await sink.flush?.();
    const { buf, starts, ends, lineNos } = chunk;
    for (let i = 0; i < chunk.count; i++) {
      const s = starts[i]!;
      const e = ends[i]!;
      summary.rows++;
      const reason = parseInteractionLine(buf, s, e, rec);
      if (reason !== null) {
        summary.badRows++;
        sink.add({ file: path, line: lineNos[i]!, reason, raw: buf.toString('utf8', s, e) });
        continue;
      }
      if (rec.interaction_type === INTERACTION_TYPE.delete && !keepDeletes) {
        summary.droppedDeletes++;
        continue;
      }
      const j = batch.length++;
      batch.userIds[j] = rec.user_id;
      batch.itemIds[j] = rec.item_id;
      batch.types[j] = rec.interaction_type;
      batch.createdAtS[j] = rec.created_at;
      batch.lines[j] = lineNos[i]!;
      summary.kept++;
      if (batch.length === batchRows) {
        yield batch;
        batch = newBatch(batchRows);
      }
    }
  }
  if (batch.length > 0) yield trimBatch(batch);
  return summary;
}
