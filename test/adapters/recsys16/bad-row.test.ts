import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeadLetterFile, createDeadLetterMemory } from '../../../src/adapters/recsys16/index.js';
import { tempDir } from './helpers.js';

describe('dead letters', () => {
  it('a dead-letter file is created only when a bad row arrives', async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    const sink = createDeadLetterFile(path);
    await sink.close();
    expect(sink.count).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(path + '.tmp')).toBe(false);
  });

  it("a clean run removes an earlier run's dead-letter file instead of leaving it to pass for its own", async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    writeFileSync(path, '{"file":"old","line":2,"reason":"x","raw":""}\n');
    const sink = createDeadLetterFile(path);
    await sink.close();
    expect(existsSync(path)).toBe(false);
  });

  it('writes one JSON object per bad row, via .tmp renamed on close', async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    const sink = createDeadLetterFile(path);
    sink.add({ file: 'a.csv', line: 3, reason: 'empty line', raw: '' });
    sink.add({ file: 'a.csv', line: 9, reason: 'user_id is not a number: "x"', raw: 'x\t1\t1\t1' });
    expect(sink.count).toBe(2);
    expect(existsSync(path)).toBe(false);
    await sink.close();
    expect(existsSync(path + '.tmp')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(
      '{"file":"a.csv","line":3,"reason":"empty line","raw":""}\n' +
        '{"file":"a.csv","line":9,"reason":"user_id is not a number: \\"x\\"","raw":"x\\t1\\t1\\t1"}\n',
    );
    expect(() => sink.add({ file: 'a.csv', line: 10, reason: 'late', raw: '' })).toThrow(/closed/);
  });

  it('keeps every row when more than its buffer arrives', async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    const sink = createDeadLetterFile(path);
    const raw = 'y'.repeat(1000);
    for (let i = 0; i < 3000; i++) sink.add({ file: 'f', line: i + 2, reason: 'r', raw });
    await sink.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3000);
    expect(JSON.parse(lines[2999]!)).toEqual({ file: 'f', line: 3001, reason: 'r', raw });
  });

  it('the memory sink keeps rows in arrival order', () => {
    const sink = createDeadLetterMemory();
    sink.add({ file: 'f', line: 2, reason: 'a', raw: '1' });
    sink.add({ file: 'f', line: 5, reason: 'b', raw: '2' });
    expect(sink.count).toBe(2);
    expect(sink.rows.map((r) => r.line)).toEqual([2, 5]);
  });
});
