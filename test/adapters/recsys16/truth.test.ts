// truth.json (issue 10): the generator's truth survives the file bit for bit; a wrong version or shape is refused.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTruth, readTruthFile, serializeTruth, TRUTH_FILE, writeTruthFile } from '../../../src/adapters/recsys16/truth.js';
import { buildSynthetic } from '../../../src/core/synth/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dyadflow-truth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('truth.json', () => {
  const truth = buildSynthetic('tiny', 1).truth();

  it('reads back exactly what was written (Float32 factors included), with the same bytes every time', async () => {
    const path = join(dir, TRUTH_FILE);
    await writeTruthFile(path, truth);
    expect(await readTruthFile(path)).toEqual(truth);
    expect(serializeTruth(buildSynthetic('tiny', 1).truth())).toBe(serializeTruth(truth));
    expect(JSON.parse(serializeTruth(truth)).formatVersion).toBe(1);
  });

  it('is absent for data that is not synthetic: null, not an error', async () => {
    expect(await readTruthFile(join(dir, 'nope', TRUTH_FILE))).toBeNull();
  });

  it('refuses another format version naming both, and a broken shape naming the field', async () => {
    const doc = JSON.parse(serializeTruth(truth));
    expect(() => parseTruth(JSON.stringify({ ...doc, formatVersion: 2 }), 'x/truth.json')).toThrow(
      'x/truth.json: truth format version 2 is not supported (this dyadflow reads version 1)',
    );
    expect(() => parseTruth(JSON.stringify({ ...doc, users: { ...doc.users, clickBias: ['a'] } }))).toThrow(/clickBias is not an array of numbers/);
    expect(() => parseTruth(JSON.stringify({ ...doc, users: { ...doc.users, region: [1] } }))).toThrow(/user column does not match/);
    const path = join(dir, 'broken.json');
    await writeFile(path, '{');
    await expect(readTruthFile(path)).rejects.toMatchObject({ code: 'DF_ERR_TRUTH_INVALID' });
  });
});
