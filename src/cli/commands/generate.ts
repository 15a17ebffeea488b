// `dyadflow generate --preset tiny|daemon|recsys16 --seed N --out DIR` (issue 2, item 5): the synthetic
// RecSys 2016 files of a preset. Same preset and seed → byte-identical files; timings only on stderr.
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { SYNTH_PRESETS, type SynthPresetName, type SynthSummary } from '../../core/synth/index.js';
import { runGenerate } from '../../../pipelines/generate.js';
import { formatTimings, type CommandModule } from '../command.js';
import { EXIT, type CliIo } from '../io.js';
import { createPhaseReporter } from '../progress.js';

interface GenerateFlags {
  preset: string;
  seed: string;
  out: string;
  json?: boolean;
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
    .requiredOption('--out <dir>', 'output folder (created if missing; locked while written; its four files are replaced)')
    .option('--json', 'print one JSON document of counts on stdout')
    .action(async (flags: GenerateFlags) => {
      const preset = parsePreset(flags.preset);
      const seed = parseSeed(flags.seed);
      const phases = createPhaseReporter(io, 'generate', io.isTTY && !flags.json);
      const { summary, timings } = await runGenerate({
        preset,
        seed,
        outDir: flags.out,
        warn: (message) => io.stderr(`dyadflow: warning: ${message}\n`),
        onPhase: (phase) => phases.phase(phase),
        onProgress: (done, total) => phases.progress(done, total, 'generate'),
      }).finally(() => phases.stop());
      io.stderr(`generate: ${preset} in ${formatTimings(timings)}\n`);
      io.stdout(flags.json ? JSON.stringify(summary) + '\n' : synthSummaryLine(summary, flags.out));
      setExit(EXIT.ok);
    });
};
