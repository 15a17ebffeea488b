// A token bucket for `produce --rate N`, written as virtual scheduling (the GCRA form of the token bucket, as in
// ATM traffic shaping): each message is due 1/N s after the previous one, with up to `burst` messages of credit
// when the sender has been idle. The clock is injected so tests run without waiting.

/** Time as the limiter sees it. */
export interface LimiterClock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/** The process's monotonic clock. */
export const systemClock: LimiterClock = {
  nowMs: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Paces sends to `ratePerS` messages per second on average, with bursts of at most `burst` messages. */
export class TokenBucket {
  private readonly intervalMs: number;
  private readonly burstMs: number;
  private dueMs: number | undefined;

  constructor(
    readonly ratePerS: number,
    readonly burst: number,
    private readonly clock: LimiterClock = systemClock,
  ) {
    if (!(ratePerS > 0) || !Number.isFinite(ratePerS)) throw new RangeError(`rate must be a positive number, got ${ratePerS}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
    this.intervalMs = 1000 / ratePerS;
    this.burstMs = burst * this.intervalMs;
  }

  /** How long to wait before `n` more messages may go, reserving them (0 when they may go now). */
  reserve(n: number): number {
    const now = this.clock.nowMs();
    // Idle credit is capped at `burst` messages' worth.
    if (this.dueMs === undefined || this.dueMs < now - this.burstMs + this.intervalMs) this.dueMs = now - this.burstMs + this.intervalMs;
    const startMs = this.dueMs + (n - 1) * this.intervalMs;
    this.dueMs += n * this.intervalMs;
    return Math.max(0, startMs - now);
  }

  /** Waits until `n` more messages may go. */
  async take(n: number): Promise<void> {
    const waitMs = this.reserve(n);
    if (waitMs > 0) await this.clock.sleep(waitMs);
  }
}
