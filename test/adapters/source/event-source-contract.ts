// What every EventSource promises (src/core/events/source.ts), as one suite each source runs with its own harness:
// the file source here, the Kafka source next (its harness produces the events into topics). Random inputs in
// event-time order (as `produce` sends them) and random requests:
//   - every valid event is handed out exactly once, deletes are counted and never handed out;
//   - a batch holds only events before the request's beforeS, at most maxEvents of them;
//   - the watermark never decreases and no later event is earlier than it;
//   - from the position after any pull, a fresh source seeked there hands out exactly what the first one did next.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImpressionRecord, InteractionRecord } from '../../../src/core/events/records.js';
import type { EventSource, JsonValue, PullRequest } from '../../../src/core/events/source.js';
import { impressionTimeS } from '../../../src/core/window/window.js';
import { batchEvents } from './helpers.js';

/** An input: records in event-time order, interactions (deletes included) and impressions. */
export interface ContractInput {
  interactions: InteractionRecord[];
  impressions: ImpressionRecord[];
}

/** How a source under test gets its input and is opened. */
export interface ContractHarness {
  /** Makes `input` available (files, topics) and returns a way to open fresh sources on it. */
  prepare(input: ContractInput): Promise<{ open(): Promise<EventSource>; cleanup(): Promise<void> }>;
}

const W_FIRST = 33;
const WEEKS = 3;

/** Random inputs: few users, items and distinct times, so that ties and repeats are common. */
export function contractInput(): fc.Arbitrary<ContractInput> {
  const t0 = impressionTimeS(2016, W_FIRST);
  const interaction = fc.record({
    user_id: fc.integer({ min: 0, max: 5 }),
    item_id: fc.integer({ min: 0, max: 8 }),
    interaction_type: fc.constantFrom(1, 2, 3, 4) as fc.Arbitrary<1 | 2 | 3 | 4>,
    created_at: fc.integer({ min: 0, max: WEEKS * 14 - 1 }).map((k) => t0 + k * 43200),
  });
  const impression = fc.record({
    user_id: fc.integer({ min: 0, max: 5 }),
    year: fc.constant(2016),
    week: fc.integer({ min: W_FIRST, max: W_FIRST + WEEKS - 1 }),
    items: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 5 }),
  });
  return fc
    .record({ interactions: fc.array(interaction, { maxLength: 40 }), impressions: fc.array(impression, { maxLength: 12 }) })
    .map(({ interactions, impressions }) => ({
      // Stable sorts: event-time order, as produce sends and generate writes.
      interactions: [...interactions].sort((a, b) => a.created_at - b.created_at),
      impressions: [...impressions].sort((a, b) => a.week - b.week),
    }));
}

/** Random requests: window ends anywhere in the input's span (or past it), batch sizes from 1. */
export function contractRequests(): fc.Arbitrary<PullRequest[]> {
  const t0 = impressionTimeS(2016, W_FIRST);
  return fc.array(
    fc.record({
      beforeS: fc.oneof(fc.integer({ min: 0, max: WEEKS * 14 }).map((k) => t0 + k * 43200), fc.constant(Infinity)),
      maxEvents: fc.integer({ min: 1, max: 7 }),
    }),
    { minLength: 1, maxLength: 30 },
  );
}

function expectedEvents(input: ContractInput): { events: string[]; deletes: number } {
  const events: string[] = [];
  let deletes = 0;
  for (const r of input.interactions) {
    if (r.interaction_type === 4) deletes++;
    else events.push(`i ${r.user_id} ${r.item_id} ${r.interaction_type} @${r.created_at}`);
  }
  for (const r of input.impressions) for (const item of r.items) events.push(`p ${r.user_id} ${item} @${impressionTimeS(r.year, r.week)}`);
  return { events: events.sort(), deletes };
}

const timeOf = (event: string): number => Number(event.slice(event.indexOf('@') + 1));

/** Registers the contract's tests for one source. */
export function describeEventSourceContract(name: string, harness: ContractHarness, opts: { numRuns?: number } = {}): void {
  const numRuns = opts.numRuns ?? 40;

  describe(`EventSource contract: ${name}`, () => {
    it('hands out every valid event once, within each request, under a watermark that only rises; a seek to any position resumes exactly', async () => {
      await fc.assert(
        fc.asyncProperty(contractInput(), contractRequests(), fc.nat(), async (input, requests, pick) => {
          const { events: expected, deletes } = expectedEvents(input);
          const prepared = await harness.prepare(input);
          try {
            const source = await prepared.open();
            const handedOut: string[][] = [];
            const positions: JsonValue[] = [];
            let deletesSeen = 0;
            let watermark = -Infinity;
            let ended = false;
            // The given requests, then requests without bound until the end (a source must end on a finite input).
            for (let k = 0; !ended; k++) {
              expect(k).toBeLessThan(requests.length + 10000);
              const request = k < requests.length ? requests[k]! : { beforeS: Infinity, maxEvents: 5 };
              const b = await source.pull(request);
              const events = batchEvents(b);
              expect(events.length).toBeLessThanOrEqual(request.maxEvents);
              for (const e of events) {
                expect(timeOf(e)).toBeLessThan(request.beforeS);
                expect(timeOf(e)).toBeGreaterThanOrEqual(watermark);
              }
              expect(b.watermarkS).toBeGreaterThanOrEqual(watermark);
              watermark = b.watermarkS;
              deletesSeen += b.droppedDeletes;
              ended = b.ended;
              handedOut.push(events);
              positions.push(JSON.parse(JSON.stringify(source.position())) as JsonValue);
            }
            expect(watermark).toBe(Infinity);
            await source.close();
            expect(handedOut.flat().sort()).toEqual(expected);
            expect(deletesSeen).toBe(deletes);

            // Resume after pull j: exactly the events the first source handed out after it.
            const j = pick % positions.length;
            const resumed = await prepared.open();
            await resumed.seek(positions[j]!);
            const rest: string[] = [];
            for (let k = 0; ; k++) {
              expect(k).toBeLessThan(10000);
              const b = await resumed.pull({ beforeS: Infinity, maxEvents: 3 });
              rest.push(...batchEvents(b));
              if (b.ended) break;
            }
            await resumed.close();
            expect(rest.sort()).toEqual(handedOut.slice(j + 1).flat().sort());
          } finally {
            await prepared.cleanup();
          }
        }),
        { numRuns },
      );
    });
  });
}
