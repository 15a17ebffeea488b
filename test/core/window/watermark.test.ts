import { describe, expect, it } from 'vitest';
import { WatermarkTracker } from '../../../src/core/window/watermark.js';

describe('WatermarkTracker', () => {
  it('is the minimum over the partitions of the event time each has reached', () => {
    const t = new WatermarkTracker();
    expect(t.watermarkS()).toBe(-Infinity);
    t.addPartition('a');
    t.addPartition('b');
    t.advance('a', 100);
    expect(t.watermarkS()).toBe(-Infinity); // b has reported nothing yet
    t.advance('b', 50);
    expect(t.watermarkS()).toBe(50);
    t.advance('b', 300);
    expect(t.watermarkS()).toBe(100);
  });

  it('never moves a partition back', () => {
    const t = new WatermarkTracker();
    t.advance('a', 100);
    t.advance('a', 40);
    expect(t.reached('a')).toBe(100);
    expect(t.watermarkS()).toBe(100);
  });

  it('lets an idle partition stop holding the others back, and take part again when active', () => {
    const t = new WatermarkTracker();
    t.advance('a', 100);
    t.advance('b', 500);
    t.addPartition('c');
    expect(t.watermarkS()).toBe(-Infinity);
    t.setIdle('c', true);
    expect(t.isIdle('c')).toBe(true);
    expect(t.watermarkS()).toBe(100);
    t.setIdle('a', true);
    expect(t.watermarkS()).toBe(500);
    t.setIdle('a', false);
    expect(t.watermarkS()).toBe(100);
  });

  it('is the maximum reached when every partition is idle (nothing more is coming)', () => {
    const t = new WatermarkTracker();
    t.advance('a', 100);
    t.advance('b', 500);
    t.setIdle('a', true);
    t.setIdle('b', true);
    expect(t.watermarkS()).toBe(500);
  });

  it('forgets a removed partition', () => {
    const t = new WatermarkTracker();
    t.advance('a', 100);
    t.addPartition('b');
    t.removePartition('b');
    expect(t.reached('b')).toBeUndefined();
    expect(t.watermarkS()).toBe(100);
  });
});
