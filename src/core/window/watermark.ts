// The watermark (method.md §5a, architecture.md "Time, order and determinism"): the minimum over all source
// partitions of the event time each has reached. A file source is one partition; a Kafka source has one per topic
// partition, and one that has been idle too long stops holding the others back (as Flink's idleness does).

/**
 * Per-partition progress in event time. A partition's progress only moves forward: it is the event time the
 * partition has reached, i.e. the time below which it will deliver nothing more except late events.
 */
export class WatermarkTracker {
  private readonly reachedS = new Map<string, number>();
  private readonly idle = new Set<string>();

  /** Starts tracking `partition` (a no-op if tracked). Until it reports, it holds the watermark at -Infinity. */
  addPartition(partition: string): void {
    if (!this.reachedS.has(partition)) this.reachedS.set(partition, -Infinity);
  }

  /** Stops tracking `partition` (e.g. its topic partition went away). */
  removePartition(partition: string): void {
    this.reachedS.delete(partition);
    this.idle.delete(partition);
  }

  /** Records that `partition` has reached `eventTimeS`; an earlier time than it reached before changes nothing. */
  advance(partition: string, eventTimeS: number): void {
    const before = this.reachedS.get(partition);
    if (before === undefined || eventTimeS > before) this.reachedS.set(partition, eventTimeS);
  }

  /**
   * Marks `partition` idle (it stops holding the watermark back) or active again. Whether a partition is idle is the
   * caller's decision (the Kafka source uses wall-clock silence): the tracker keeps no clock.
   */
  setIdle(partition: string, idle: boolean): void {
    this.addPartition(partition);
    if (idle) this.idle.add(partition);
    else this.idle.delete(partition);
  }

  /** Whether `partition` is marked idle. */
  isIdle(partition: string): boolean {
    return this.idle.has(partition);
  }

  /** The event time `partition` has reached (-Infinity before its first report), or undefined if not tracked. */
  reached(partition: string): number | undefined {
    return this.reachedS.get(partition);
  }

  /**
   * The watermark: the minimum of what the active (not idle) partitions have reached. When every partition is idle
   * it is the maximum any has reached (Flink's StatusWatermarkValve does the same: nothing is still coming, so the
   * windows up to what was seen may close). -Infinity with no partition at all.
   */
  watermarkS(): number {
    let min = Infinity;
    let max = -Infinity;
    let active = 0;
    for (const [partition, t] of this.reachedS) {
      if (t > max) max = t;
      if (this.idle.has(partition)) continue;
      active++;
      if (t < min) min = t;
    }
    return active > 0 ? min : max;
  }
}
