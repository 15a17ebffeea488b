// The partition of a keyed message under the Java client's default partitioner, which kafkajs's
// DefaultPartitioner reproduces: toPositive(murmur2(utf8(key))) % partitions (Apache Kafka, Utils.murmur2 and
// DefaultPartitioner; murmur2 is Austin Appleby's MurmurHash2). kafkajs computes it with 64-bit Long objects and a
// Buffer per key; here it is 32-bit integer arithmetic (Math.imul), reading ASCII keys without a Buffer.
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function murmur2Bytes(at: (i: number) => number, length: number): number {
  let h = SEED ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = at(i4) | (at(i4 + 1) << 8) | (at(i4 + 2) << 16) | (at(i4 + 3) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const tail = length & ~3;
  // Java's fall-through switch on length % 4, unrolled.
  const rest = length % 4;
  if (rest === 3) h ^= at(tail + 2) << 16;
  if (rest >= 2) h ^= at(tail + 1) << 8;
  if (rest >= 1) {
    h ^= at(tail);
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's murmur2 of the key's UTF-8 bytes (a Buffer as is), as a signed 32-bit integer, equal to kafkajs's. */
export function murmur2(key: string | Buffer): number {
  if (typeof key === 'string' && isAscii(key)) return murmur2Bytes((i) => key.charCodeAt(i), key.length);
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  return murmur2Bytes((i) => bytes[i]!, bytes.length);
}

/** The partition (0..partitions-1) the default partitioner gives a message with this key. */
export function partitionOfKey(key: string | Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
