import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket, type LimiterClock } from '../../../src/adapters/kafka/rate-limiter.js';

/** A clock that only moves when the limiter sleeps or the test advances it. */
function fakeClock(): LimiterClock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    nowMs: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    },
  };
  return c;
}

describe('TokenBucket', () => {
  it('spaces single messages 1/rate apart after a burst of `burst` messages', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    const sentAt: number[] = [];
    for (let i = 0; i < 6; i++) {
      await bucket.take(1);
      sentAt.push(clock.t);
    }
    expect(sentAt).toEqual([0, 0, 0, 100, 200, 300]);
  });

  it('waits until the last message of a batch is due', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1000, 1, clock);
    await bucket.take(100); // messages due at 0..99 ms: the batch may go when the last one is due
    expect(clock.t).toBe(99);
    await bucket.take(100); // due at 100..199
    expect(clock.t).toBe(199);
  });

  it('gives at most `burst` messages of credit after idling', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(100, 5, clock);
    await bucket.take(1);
    clock.t += 10_000; // idle for 10 s: the credit is still 5 messages
    const start = clock.t;
    for (let i = 0; i < 5; i++) await bucket.take(1);
    expect(clock.t).toBe(start);
    await bucket.take(1);
    expect(clock.t).toBe(start + 10);
  });

  it('never exceeds rate × elapsed + burst messages, and keeps up the rate (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 60 }),
        async (rate, burst, batches) => {
          const clock = fakeClock();
          const bucket = new TokenBucket(rate, burst, clock);
          let sent = 0;
          for (const n of batches) {
            await bucket.take(n);
            sent += n;
            // The n-th message may go no earlier than (n - burst) / rate s after the start.
            expect(sent).toBeLessThanOrEqual((clock.t * rate) / 1000 + Math.max(burst, n) + 1e-6);
          }
          // Busy sending, it never waits longer than the rate requires.
          expect(clock.t).toBeLessThanOrEqual(((sent - 1) * 1000) / rate + 1e-6);
        },
      ),
    );
  });

  it('rejects a non-positive rate or burst', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0)).toThrow(RangeError);
  });
});
