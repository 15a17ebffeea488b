import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../../src/core/errors.js';
import {
  createDeadLetterMemory,
  loadDataset,
  readImpressionBatches,
  readInteractionBatches,
  readProfiles,
} from '../../../src/adapters/recsys16/index.js';
import { drain, tempDir } from './helpers.js';

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('missing and unreadable files', () => {
  it('a missing interactions file is DF_ERR_INPUT_MISSING naming the path', async () => {
    const path = join(tempDir(), 'interactions.csv');
    const err = await inputError(drain(readInteractionBatches(path, { deadLetters: createDeadLetterMemory() })));
    expect(err.code).toBe('DF_ERR_INPUT_MISSING');
    expect(err.message).toBe(`${path}: no such file`);
  });

  it('a missing impressions file is DF_ERR_INPUT_MISSING', async () => {
    const path = join(tempDir(), 'impressions.csv');
    const err = await inputError(drain(readImpressionBatches(path, { deadLetters: createDeadLetterMemory() })));
    expect(err.code).toBe('DF_ERR_INPUT_MISSING');
    expect(err.message).toBe(`${path}: no such file`);
  });

  it('a directory in place of the file is DF_ERR_INPUT_MISSING, one line', async () => {
    const path = join(tempDir(), 'interactions.csv');
    mkdirSync(path);
    const err = await inputError(drain(readInteractionBatches(path, { deadLetters: createDeadLetterMemory() })));
    expect(err.code).toBe('DF_ERR_INPUT_MISSING');
    expect(err.message).toBe(`${path}: is a directory, not a file`);
  });

  it('loadDataset on a directory without interactions.csv fails with DF_ERR_INPUT_MISSING', async () => {
    const dir = tempDir();
    const err = await inputError(loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: () => {} }));
    expect(err.code).toBe('DF_ERR_INPUT_MISSING');
    expect(err.message).toBe(`${join(dir, 'interactions.csv')}: no such file`);
  });

  it('loadDataset without impressions.csv fails with DF_ERR_INPUT_MISSING', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'interactions.csv'), 'user_id\titem_id\tinteraction_type\tcreated_at\n1\t2\t1\t100\n');
    const err = await inputError(loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: () => {} }));
    expect(err.code).toBe('DF_ERR_INPUT_MISSING');
    expect(err.message).toBe(`${join(dir, 'impressions.csv')}: no such file`);
  });
});

describe('wrong headers', () => {
  it('a wrong interactions header is DF_ERR_INPUT_HEADER naming the expected header', async () => {
    const path = join(tempDir(), 'interactions.csv');
    writeFileSync(path, 'user_id,item_id,interaction_type,created_at\n1,2,1,100\n');
    const err = await inputError(drain(readInteractionBatches(path, { deadLetters: createDeadLetterMemory() })));
    expect(err.code).toBe('DF_ERR_INPUT_HEADER');
    expect(err.message).toBe(
      `${path}: found header "user_id,item_id,interaction_type,created_at", expected the header ` +
        '"user_id\\titem_id\\tinteraction_type\\tcreated_at" (tab-separated)',
    );
    expect(err.message).not.toContain('\n');
  });

  it('a headerless impressions file (data on line 1) is DF_ERR_INPUT_HEADER', async () => {
    const path = join(tempDir(), 'impressions.csv');
    writeFileSync(path, '1\t2015\t34\t1,2,3\n');
    const err = await inputError(drain(readImpressionBatches(path, { deadLetters: createDeadLetterMemory() })));
    expect(err.code).toBe('DF_ERR_INPUT_HEADER');
    expect(err.message).toContain('expected the header "user_id\\tyear\\tweek\\titems"');
  });

  it('an empty file is DF_ERR_INPUT_HEADER', async () => {
    const path = join(tempDir(), 'interactions.csv');
    writeFileSync(path, '');
    const err = await inputError(drain(readInteractionBatches(path, { deadLetters: createDeadLetterMemory() })));
    expect(err.code).toBe('DF_ERR_INPUT_HEADER');
    expect(err.message).toContain('found an empty file');
  });

  it('a wrong users.csv header is DF_ERR_INPUT_HEADER', async () => {
    const path = join(tempDir(), 'users.csv');
    writeFileSync(path, 'id\tcareer_level\n1\t2\n');
    const err = await inputError(readProfiles(path, 'users', { deadLetters: createDeadLetterMemory() }));
    expect(err.code).toBe('DF_ERR_INPUT_HEADER');
    expect(err.message).toContain('"id\\tjobroles\\tcareer_level');
  });
});
