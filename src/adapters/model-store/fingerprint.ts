// Data fingerprint of a feature table: SHA-256 over its columns in schema order (method.md §6: a model
// states which data it was trained on). Byte order is fixed little-endian, so the value is portable.
import { createHash, type Hash } from 'node:crypto';
import type { FeatureTable } from '../../core/features/feature-table.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function update(hash: Hash, a: Int32Array | Uint8Array | Float64Array): void {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(a.length));
  hash.update(len);
  if (LITTLE_ENDIAN || a.BYTES_PER_ELEMENT === 1) {
    hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return;
  }
  const b = Buffer.alloc(a.byteLength);
  for (let k = 0; k < a.length; k++) {
    if (a instanceof Float64Array) b.writeDoubleLE(a[k]!, k * 8);
    else b.writeInt32LE(a[k]!, k * 4);
  }
  hash.update(b);
}

/** `sha256:<hex>` of the table's columns (ids, weeks, split, statistics, context, labels), in that order. */
export function fingerprintTable(table: FeatureTable): string {
  const hash = createHash('sha256');
  hash.update('dyadflow feature table v1\n');
  for (const column of [table.userIds, table.itemIds, table.weeks, table.split, table.wtl, table.context, table.click, table.bookmark, table.reply]) {
    update(hash, column);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** fingerprintTable in slices of 4 MiB with the event loop turning between them (the stream hashes ~60 MB a window). */
export async function fingerprintTableSliced(table: FeatureTable): Promise<string> {
  const hash = createHash('sha256');
  hash.update('dyadflow feature table v1\n');
  for (const column of [table.userIds, table.itemIds, table.weeks, table.split, table.wtl, table.context, table.click, table.bookmark, table.reply]) {
    if (!LITTLE_ENDIAN && column.BYTES_PER_ELEMENT > 1) {
      update(hash, column);
      continue;
    }
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(column.length));
    hash.update(len);
    const bytes = new Uint8Array(column.buffer, column.byteOffset, column.byteLength);
    for (let at = 0; at < bytes.length; at += 1 << 22) {
      hash.update(bytes.subarray(at, Math.min(bytes.length, at + (1 << 22))));
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  return `sha256:${hash.digest('hex')}`;
}
