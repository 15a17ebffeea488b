// Invalid messages of the input topics go to `<prefix>.dead-letters` (architecture.md, "Contracts"), one message each,
// with the reason and the origin (topic, partition, offset), keyed by the original key. Format:
// schemas/kafka-dead-letter.schema.json. The value keeps the first 64 KiB of the original (UTF-8 text when it is, else
// base64), so a dead letter stays under the broker's message size limit whatever arrived.
//
// Delivery is at least once across a crash: the source sends a pull's dead letters, acknowledged, before the pull
// returns, so a checkpoint never covers a dead letter that was not written; after a crash, the messages between the
// last checkpoint and the crash are read again and their dead letters sent again. The origin identifies a dead
// letter: a reader drops repeats of one origin.
import { isUtf8 } from 'node:buffer';
import type { BadMessage } from './message-chunk.js';
import type { OutgoingMessage } from './messages.js';
import type { RecordProducer } from './producer.js';

/** A dead letter as written to the topic (JSON value). */
export interface KafkaDeadLetter {
  reason: string;
  origin: { topic: string; partition: number; offset: number };
  /** The original key as UTF-8 text (null: no key). */
  key: string | null;
  /** The original value's first bytes as text in `valueEncoding`; null for a null value. */
  value: string | null;
  valueEncoding: 'utf8' | 'base64' | null;
  /** The original value's length in bytes, and whether `value` holds only its beginning. */
  valueBytes: number;
  truncated: boolean;
}

/** The dead letter of a bad message. */
export function deadLetterOf(bad: BadMessage): KafkaDeadLetter {
  const v = bad.value;
  const text = v !== null && isUtf8(v);
  return {
    reason: bad.reason,
    origin: { topic: bad.topic, partition: bad.partition, offset: bad.offset },
    key: bad.key === null ? null : bad.key.toString('utf8'),
    value: v === null ? null : v.toString(text ? 'utf8' : 'base64'),
    valueEncoding: v === null ? null : text ? 'utf8' : 'base64',
    valueBytes: bad.valueBytes,
    truncated: v !== null && v.length < bad.valueBytes,
  };
}

/** The message that carries a dead letter (keyed like the original, so one user's stay in order). */
export function deadLetterMessage(bad: BadMessage): OutgoingMessage {
  return { key: bad.key === null ? `${bad.topic}/${bad.partition}/${bad.offset}` : bad.key.toString('utf8'), value: JSON.stringify(deadLetterOf(bad)) };
}

/** Sends dead letters to one topic; `send` resolves once they are acknowledged. */
export class DeadLetterSender {
  private producer: RecordProducer | undefined;
  private connecting: Promise<RecordProducer> | undefined;

  constructor(
    readonly topic: string,
    private readonly connect: () => Promise<RecordProducer>,
  ) {}

  /** Writes the dead letters of `bad` and waits for their acknowledgement (acks from all in-sync replicas). */
  async send(bad: readonly BadMessage[]): Promise<void> {
    if (bad.length === 0) return;
    this.connecting ??= this.connect().then((p) => (this.producer = p));
    const producer = await this.connecting;
    await producer.send([{ topic: this.topic, messages: bad.map(deadLetterMessage) }]);
    await producer.flush();
  }

  /** Disconnects (a no-op when nothing was sent). */
  async close(): Promise<void> {
    const p = this.producer ?? (await this.connecting?.catch(() => undefined));
    await p?.close();
  }
}
