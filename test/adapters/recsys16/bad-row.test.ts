import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkDeadLetterPath,
  createDeadLetterCounter,
  createDeadLetterFile,
  createDeadLetterMemory,
  isDeadLetterFile,
  withDeadLetters,
} from '../../../src/adapters/recsys16/bad-row.js';
import { tempDir } from './helpers.js';

const HEADER = '{"dyadflow":"dead-letters","formatVersion":1}\n';
const OLD = HEADER + '{"file":"old","line":2,"reason":"x","raw":""}\n';

describe('dead-letter files', () => {
  it('a dead-letter file is created only when a bad row arrives', async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    const sink = createDeadLetterFile(path);
    await sink.close();
    expect(sink.count).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(path + '.tmp')).toBe(false);
    expect(sink.report()).toEqual({ count: 0, deadLetters: null, first: [] });
  });

  it('starts with the header record, then one JSON object per bad row, via .tmp renamed on close', async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    const sink = createDeadLetterFile(path);
    sink.add({ file: 'a.csv', line: 3, reason: 'empty line', raw: '' });
    sink.add({ file: 'a.csv', line: 9, reason: 'user_id is not a number: "x"', raw: 'x\t1\t1\t1' });
    expect(sink.count).toBe(2);
    expect(existsSync(path)).toBe(false);
    await sink.close();
    expect(existsSync(path + '.tmp')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(
      HEADER +
        '{"file":"a.csv","line":3,"reason":"empty line","raw":""}\n' +
        '{"file":"a.csv","line":9,"reason":"user_id is not a number: \\"x\\"","raw":"x\\t1\\t1\\t1"}\n',
    );
    expect(await isDeadLetterFile(path)).toBe(true);
    expect(sink.report()).toEqual({
      count: 2,
      deadLetters: path,
      first: [
        { file: 'a.csv', line: 3, reason: 'empty line' },
        { file: 'a.csv', line: 9, reason: 'user_id is not a number: "x"' },
      ],
    });
    expect(() => sink.add({ file: 'a.csv', line: 10, reason: 'late', raw: '' })).toThrow(/closed/);
  });

  it("a clean run removes an earlier run's dead-letter file instead of leaving it to pass for its own", async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    writeFileSync(path, OLD);
    const sink = createDeadLetterFile(path);
    await sink.close();
    expect(existsSync(path)).toBe(false);
  });

  it('a clean run leaves a file that is not a dead-letter file alone', async () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'mine\n');
    await createDeadLetterFile(path).close();
    expect(readFileSync(path, 'utf8')).toBe('mine\n');
  });

  it('a run replaces an earlier dead-letter file; an aborted run leaves it as it was and no .tmp', async () => {
    const dir = tempDir();
    const path = join(dir, 'dl.ndjson');
    writeFileSync(path, OLD);
    const failed = createDeadLetterFile(path);
    for (let i = 0; i < 3000; i++) failed.add({ file: 'f', line: i + 2, reason: 'r', raw: 'y'.repeat(1000) });
    await failed.flush();
    expect(existsSync(path + '.tmp')).toBe(true);
    await failed.abort();
    expect(readFileSync(path, 'utf8')).toBe(OLD);
    expect(readdirSync(dir)).toEqual(['dl.ndjson']);
    expect(failed.report().deadLetters).toBeNull();
    const next = createDeadLetterFile(path);
    next.add({ file: 'f', line: 2, reason: 'new', raw: '' });
    await next.close();
    expect(readFileSync(path, 'utf8')).toBe(HEADER + '{"file":"f","line":2,"reason":"new","raw":""}\n');
  });

  it('keeps every row when more than its buffer arrives', async () => {
    const path = join(tempDir(), 'dead-letters.ndjson');
    const sink = createDeadLetterFile(path);
    const raw = 'y'.repeat(1000);
    for (let i = 0; i < 3000; i++) sink.add({ file: 'f', line: i + 2, reason: 'r', raw });
    await sink.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3001);
    expect(JSON.parse(lines[3000]!)).toEqual({ file: 'f', line: 3001, reason: 'r', raw });
    expect(sink.report().first).toHaveLength(5);
  });
});

describe('checkDeadLetterPath (before any work)', () => {
  it('accepts a new file in an existing folder, and an existing dead-letter file', async () => {
    const dir = tempDir();
    await checkDeadLetterPath(join(dir, 'new.ndjson'));
    writeFileSync(join(dir, 'old.ndjson'), OLD);
    await checkDeadLetterPath(join(dir, 'old.ndjson'));
  });

  it('refuses another file, a folder, a missing folder and a folder that is a file, each as an InputError', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    writeFileSync(join(dir, 'empty'), '');
    writeFileSync(join(dir, 'almost'), HEADER.trimEnd());
    mkdirSync(join(dir, 'sub'));
    const cases: [string, RegExp][] = [
      [join(dir, 'notes.txt'), /notes\.txt: exists and is not a dyadflow dead-letter file/],
      [join(dir, 'empty'), /empty: exists and is not a dyadflow dead-letter file/],
      [join(dir, 'almost'), /almost: exists and is not a dyadflow dead-letter file/],
      [join(dir, 'sub'), /sub: is a folder/],
      [join(dir, 'nope', 'x.ndjson'), /x\.ndjson: no such folder .*nope/],
      [join(dir, 'notes.txt', 'x.ndjson'), /notes\.txt is not a folder/],
    ];
    for (const [path, message] of cases) {
      const err = await checkDeadLetterPath(path).catch((e: unknown) => e);
      expect(err, path).toMatchObject({ name: 'InputError', code: 'DF_ERR_DEAD_LETTERS', message: expect.stringMatching(message) });
    }
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
  });
});

describe('withDeadLetters', () => {
  it('commits when the body succeeds and reports what it holds', async () => {
    const path = join(tempDir(), 'dl.ndjson');
    const { value, badRows } = await withDeadLetters(path, async (sink) => {
      sink.add({ file: 'f', line: 4, reason: 'r', raw: 'x' });
      return 42;
    });
    expect(value).toBe(42);
    expect(badRows).toEqual({ count: 1, deadLetters: path, first: [{ file: 'f', line: 4, reason: 'r' }] });
    expect(readFileSync(path, 'utf8')).toBe(HEADER + '{"file":"f","line":4,"reason":"r","raw":"x"}\n');
  });

  it('abandons the rows when the body throws, leaving an earlier file as it was', async () => {
    const dir = tempDir();
    const path = join(dir, 'dl.ndjson');
    writeFileSync(path, OLD);
    await expect(
      withDeadLetters(path, async (sink) => {
        sink.add({ file: 'f', line: 4, reason: 'r', raw: 'x' });
        await sink.flush();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(path, 'utf8')).toBe(OLD);
    expect(readdirSync(dir)).toEqual(['dl.ndjson']);
  });

  it('checks the path before running the body', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    let ran = false;
    await expect(withDeadLetters(join(dir, 'notes.txt'), async () => (ran = true))).rejects.toThrow(/not a dyadflow dead-letter file/);
    expect(ran).toBe(false);
  });

  it('without a path counts the rows and keeps the first five', async () => {
    const { badRows } = await withDeadLetters(null, async (sink) => {
      for (let i = 0; i < 7; i++) sink.add({ file: 'f', line: i + 2, reason: `r${i}`, raw: '' });
    });
    expect(badRows.count).toBe(7);
    expect(badRows.deadLetters).toBeNull();
    expect(badRows.first.map((b) => b.reason)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });
});

describe('in-memory sinks', () => {
  it('the memory sink keeps rows in arrival order', () => {
    const sink = createDeadLetterMemory();
    sink.add({ file: 'f', line: 2, reason: 'a', raw: '1' });
    sink.add({ file: 'f', line: 5, reason: 'b', raw: '2' });
    expect(sink.count).toBe(2);
    expect(sink.rows.map((r) => r.line)).toEqual([2, 5]);
    expect(sink.report().first.map((r) => r.reason)).toEqual(['a', 'b']);
  });

  it('the counter keeps no raw text', () => {
    const sink = createDeadLetterCounter();
    sink.add({ file: 'f', line: 2, reason: 'a', raw: 'x'.repeat(100) });
    expect(sink.report()).toEqual({ count: 1, deadLetters: null, first: [{ file: 'f', line: 2, reason: 'a' }] });
  });
});
