// `npm run bench -- generate [daemon] [recsys16]` (default: both): wall time of `dyadflow generate` for a
// preset, to files in a temporary folder, and the peak RSS of the process that did it. Each preset runs in a
// fresh child process so that its peak RSS is its own. For recsys16 it then measures reading the generated
// interactions file (issue 2: ≥ 1M rows/s, peak RSS ≤ 1.5 GB) with bench/read.ts's reader, in another child.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSynthetic } from '../pipelines/generate.js';
import type { SynthPresetName } from '../src/core/synth/index.js';
import { peakRssBytes, report } from './util.js';

const CHILD_FLAG = '--child';

async function measure(preset: SynthPresetName, out: string): Promise<void> {
  {
    const t0 = performance.now();
    const summary = await writeSynthetic(preset, 1, out);
    const seconds = (performance.now() - t0) / 1000;
    const bytes = readdirSync(out).reduce((n, f) => n + statSync(join(out, f)).size, 0);
    const counts = {
      users: summary.users,
      items: summary.items,
      interactions: summary.interactions,
      impressionTriples: summary.impressionTriples,
      bytes,
    };
    report('generate', `generate.${preset}.seconds`, Number(seconds.toFixed(2)), 's', { preset, seed: 1, ...counts });
    report('generate', `generate.${preset}.peakRssMiB`, Math.round((await peakRssBytes()) / 2 ** 20), 'MiB', { preset });
  }
}

/** Runs the generate benchmark for the presets named in args (daemon by default). */
export default async function bench(args: string[]): Promise<void> {
  const childIx = args.indexOf(CHILD_FLAG);
  if (childIx >= 0) {
    await measure(args[childIx + 1] as SynthPresetName, args[childIx + 2]!);
    return;
  }
  const presets = args.filter((a): a is SynthPresetName => a === 'tiny' || a === 'daemon' || a === 'recsys16');
  const runner = join(fileURLToPath(new URL('.', import.meta.url)), 'run.js');
  for (const preset of presets.length > 0 ? presets : (['daemon', 'recsys16'] as const)) {
    const out = mkdtempSync(join(tmpdir(), `dyadflow-bench-generate-${preset}-`));
    try {
      const child = spawnSync(process.execPath, [runner, 'generate', CHILD_FLAG, preset, out], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (child.status !== 0) throw new Error(`generate ${preset} benchmark failed with status ${child.status}`);
      if (preset === 'recsys16') {
        const read = spawnSync(process.execPath, [runner, 'read', '--measure', 'interactions', join(out, 'interactions.csv')], {
          stdio: ['ignore', 'inherit', 'inherit'],
        });
        if (read.status !== 0) throw new Error(`reading the recsys16 interactions failed with status ${read.status}`);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
}
