// The file source runs the EventSource contract: in place (the files are written in event-time order), and through
// the sort with a memory budget so small that every row spills.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeadLetterMemory } from '../../../src/adapters/recsys16/bad-row.js';
import { openFileSource, type FileSourceOptions } from '../../../src/adapters/source/file-source.js';
import { describeEventSourceContract, type ContractHarness } from './event-source-contract.js';
import { writeData } from './helpers.js';

function fileHarness(more: Partial<FileSourceOptions>): ContractHarness {
  return {
    prepare(input) {
      const dir = mkdtempSync(join(tmpdir(), 'dyadflow-source-contract-'));
      writeData(
        dir,
        input.interactions.map((r) => `${r.user_id}\t${r.item_id}\t${r.interaction_type}\t${r.created_at}`),
        input.impressions.map((r) => `${r.user_id}\t${r.year}\t${r.week}\t${r.items.join(',')}`),
      );
      return Promise.resolve({
        open: () => openFileSource({ dataDir: dir, deadLetters: createDeadLetterMemory(), spillDir: join(dir, 'spill'), ...more }),
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  };
}

describeEventSourceContract('file source, read in place', fileHarness({}));
describeEventSourceContract('file source, sorted and spilled', fileHarness({ sort: 'always', sortMemoryBytes: 64, sortFanIn: 3 }), { numRuns: 25 });
