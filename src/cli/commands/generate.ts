// `dyadflow generate --preset tiny|daemon|recsys16 --seed N --out DIR` (issue 2, item 5): the synthetic
// RecSys 2016 files of a preset. Same preset and seed → byte-identical files; timings only on stderr.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { SYNTH_PRESETS, buildSynthetic, type SynthPresetName, type SynthSummary } from '../../core/synth/index.js';
import { TRUTH_FILE, createImpressionWriter, createInteractionWriter, createItemWriter, createUserWriter, writeTruthFile } from '../../adapters/recsys16/index.js';
import { EXIT, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import type { CommandModule } from './index.js';

interface GenerateFlags {
  preset: string;
  seed: string;
  out: string;
  json?: boolean;
}

/** Writes a preset's four files into `outDir` (created if missing), honouring the writers' backpressure. */
export async function writeSynthetic(
  preset: SynthPresetName,
  seed: number,
  outDir: string,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SynthSummary> {
  await mkdir(outDir, { recursive: true });
  const ds = buildSynthetic(preset, seed);
  const s = ds.summary;
  const total = s.users + s.items + s.interactions + s.impressionLines;
  const users = createUserWriter(join(outDir, 'users.csv'));
  const items = createItemWriter(join(outDir, 'items.csv'));
  const interactions = createInteractionWriter(join(outDir, 'interactions.csv'));
  const impressions = createImpressionWriter(join(outDir, 'impressions.csv'));
  let done = 0;
  for (const r of ds.records()) {
    const pending =
      r.kind === 'user'
        ? users.write(r.row)
        : r.kind === 'item'
          ? items.write(r.row)
          : r.kind === 'interaction'
            ? interactions.write(r.record)
            : impressions.write(r.record);
    if (pending) await pending;
    if ((++done & 0xffff) === 0) onProgress(done, total);
  }
  await Promise.all([users.close(), items.close(), interactions.close(), impressions.close()]);
  await writeTruthFile(join(outDir, TRUTH_FILE), ds.truth()); // the oracle's truth; features never read it
  onProgress(total, total);
  return s;
}

function parseSeed(text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n > 4294967295) {
    throw new InputError('DF_ERR_INPUT_OPTION', `--seed ${text}: expected an integer from 0 to 4294967295`);
  }
  return n;
}

function parsePreset(text: string): SynthPresetName {
  if (!Object.hasOwn(SYNTH_PRESETS, text)) {
    throw new InputError('DF_ERR_INPUT_OPTION', `--preset ${text}: expected ${Object.keys(SYNTH_PRESETS).join(', ')}`);
  }
  return text as SynthPresetName;
}

/** One readable line of what was generated. */
export function synthSummaryLine(s: SynthSummary, outDir: string): string {
  return (
    `generated ${s.preset} (seed ${s.seed}) in ${outDir}: ${s.users} users, ${s.items} items, ` +
    `${s.interactions} interactions (${s.clicks} clicks, ${s.bookmarks} bookmarks, ${s.replies} replies, ${s.deletes} deletes), ` +
    `${s.impressionLines} impression lines (${s.impressionTriples} items shown), ${s.firstWeek}..${s.lastWeek}\n`
  );
}

/** Registers `generate`: writes a synthetic dataset with a documented latent structure. */
export const generateCommand: CommandModule = (program: Command, io: CliIo, setExit) => {
  program
    .command('generate')
    .description('synthetic RecSys 2016 files (interactions, impressions, users, items) with a known latent structure')
    .requiredOption('--preset <name>', 'tiny (tests, demos), daemon (the paper Table 1 after 30/30 subsampling) or recsys16 (challenge scale)')
    .option('--seed <n>', 'random seed: same preset and seed give the same bytes', '1')
    .requiredOption('--out <dir>', 'output folder (created if missing; files are replaced)')
    .option('--json', 'print one JSON document of counts on stdout')
    .action(async (flags: GenerateFlags) => {
      const preset = parsePreset(flags.preset);
      const seed = parseSeed(flags.seed);
      const startedMs = performance.now();
      let progress: ReturnType<typeof createProgress> | null = null;
      const summary = await writeSynthetic(preset, seed, flags.out, (done, total) => {
        progress ??= createProgress(io, 'generate', total, Boolean(flags.json));
        progress.update(done);
      });
      (progress as ReturnType<typeof createProgress> | null)?.stop();
      io.stderr(`generate: ${preset} in ${((performance.now() - startedMs) / 1000).toFixed(2)} s\n`);
      io.stdout(flags.json ? JSON.stringify(summary) + '\n' : synthSummaryLine(summary, flags.out));
      setExit(EXIT.ok);
    });
};
