// `npm run bench -- step-sizes [--seed N] [--data DIR] [--kinds a,b] [--epochs N] [--eta-w list] [--eta-e list]
// [--decay list] [--l2 list] [--l2-embedding x] [--init-scale list] [--embedding-gradient ranking|shared]`: the evidence behind the default step sizes
// (method.md §6, issue 10 item 7). On the daemon preset (generated afresh with the seed, subsampled 30/30,
// default features), each configuration trains on the training dyads minus the validation part for a fixed
// number of epochs (no stop rule) and prints, after every epoch, the validation per-user AUC of every task the
// kind reports: one JSON line per (configuration, epoch). What to read off it: the level a configuration
// reaches and how much the AUC moves from epoch to epoch once there (a constant step leaves the final iterate a
// random draw).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createDeadLetterMemory, loadDataset } from '../src/adapters/recsys16/index.js';
import { DEFAULT_SUBSAMPLE, subsample } from '../src/core/dataset/subsample.js';
import { meanOfValues, perUserRanking } from '../src/core/evaluation/index.js';
import { buildFeatureTable, DEFAULT_FEATURE_OPTIONS } from '../src/core/features/build-feature-table.js';
import { SPLIT, type FeatureTable } from '../src/core/features/feature-table.js';
import {
  createModel,
  createTrainer,
  fitScaler,
  modelKind,
  scoreBookmark,
  scoreClick,
  scoreEmbedding,
  scoreReply,
  type EmbeddingGradient,
  type EpochLoss,
  type Model,
  type ModelKind,
  type ModelTask,
} from '../src/core/model/index.js';
import { validationMask } from '../src/core/split/validation.js';
import { run } from '../src/cli/main.js';
import { report } from './util.js';

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
}

function numbers(text: string): number[] {
  return text.split(',').map(Number);
}

async function daemonTable(seed: number, dataDir: string | undefined): Promise<FeatureTable> {
  let dir = dataDir;
  let generated: string | null = null;
  if (!dir) {
    generated = await mkdtemp(join(tmpdir(), 'dyadflow-bench-step-sizes-'));
    const quietIo = { stdout: () => {}, stderr: (s: string) => void process.stderr.write(s), isTTY: false };
    const code = await run(['generate', '--preset', 'daemon', '--seed', String(seed), '--out', generated], quietIo);
    if (code !== 0) throw new Error(`generate failed with exit code ${code}`);
    dir = generated;
  }
  try {
    const raw = await loadDataset(dir, { deadLetters: createDeadLetterMemory(), warn: (m) => void process.stderr.write(`${m}\n`) });
    return buildFeatureTable(subsample(raw, DEFAULT_SUBSAMPLE), { ...DEFAULT_FEATURE_OPTIONS, seed }).table;
  } finally {
    if (generated) await rm(generated, { recursive: true, force: true });
  }
}

function scores(model: Model, table: FeatureTable, task: ModelTask, rows: Int32Array): Float64Array {
  if (task === 'click') return scoreClick(model, table, rows);
  if (task === 'bookmark') return scoreBookmark(model, table, rows);
  if (task === 'reply') return scoreReply(model, table, rows);
  return scoreEmbedding(model, table, rows);
}

/** Runs every configuration of the grid on one seed's daemon table. */
export default async function stepSizes(args: string[]): Promise<void> {
  const seed = Number(flag(args, '--seed', '1'));
  const kinds = flag(args, '--kinds', 'mtl').split(',') as ModelKind[];
  const epochs = Number(flag(args, '--epochs', '30'));
  const etaW = numbers(flag(args, '--eta-w', '0.02'));
  const etaE = numbers(flag(args, '--eta-e', '0.02'));
  const decays = numbers(flag(args, '--decay', '0'));
  const l2s = numbers(flag(args, '--l2', '1e-4'));
  const initScales = numbers(flag(args, '--init-scale', '0.1'));
  const l2Embedding = args.includes('--l2-embedding') ? Number(flag(args, '--l2-embedding', '')) : null;
  const embeddingGradient = flag(args, '--embedding-gradient', 'ranking') as EmbeddingGradient;
  const t0 = performance.now();
  const table = await daemonTable(seed, args.includes('--data') ? flag(args, '--data', '') : undefined);
  process.stderr.write(`daemon seed ${seed}: ${table.length} dyads in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const validation = validationMask(table, seed);
  const fitMask = new Uint8Array(table.length);
  const rows: number[] = [];
  for (let r = 0; r < table.length; r++) {
    if (table.split[r] === SPLIT.train && validation[r] === 0) fitMask[r] = 1;
    if (validation[r] === 1) rows.push(r);
  }
  const validationRows = Int32Array.from(rows);
  const userIds = Int32Array.from(validationRows, (r) => table.userIds[r]!);
  const labels: Record<ModelTask, Uint8Array> = {
    click: Uint8Array.from(validationRows, (r) => table.click[r]!),
    embedding: Uint8Array.from(validationRows, (r) => table.click[r]!),
    bookmark: Uint8Array.from(validationRows, (r) => table.bookmark[r]!),
    reply: Uint8Array.from(validationRows, (r) => table.reply[r]!),
  };
  const scaler = fitScaler(table, fitMask);
  for (const kind of kinds) {
    const d = modelKind(kind);
    const usesW = d.tasks.some((t) => t !== 'embedding');
    const usesE = d.embeddings;
    for (const l2 of l2s) {
      for (const w of usesW ? etaW : [etaW[0]!]) {
        for (const e of usesE ? etaE : [etaE[0]!]) {
          for (const [decay, initScale] of decays.flatMap((dc) => (usesE ? initScales : [initScales[0]!]).map((i) => [dc, i] as const))) {
            const model = createModel(
              { kind, seed, learningRateWeights: w, learningRateEmbeddings: e, learningRateWeightsDecay: decay, initScale, l2Click: l2, l2Bookmark: l2, l2Reply: l2, l2Embedding: l2Embedding ?? l2, embeddingGradient },
              scaler,
            );
            let epoch = 0;
            // Evaluated after every epoch, inside the training call (the hook runs between two epochs).
            const onEpoch = (loss: EpochLoss): void => {
              epoch++;
              const auc: Partial<Record<ModelTask, number | null>> = {};
              for (const task of d.reports) auc[task] = meanOfValues(perUserRanking(userIds, labels[task], scores(model, table, task, validationRows)).auc.values);
              report('step-sizes', `validation per-user AUC, ${kind}`, auc[d.reports[0]!] ?? Number.NaN, 'auc', {
                seed,
                kind,
                etaW: w,
                etaE: e,
                decay,
                initScale,
                l2,
                l2Embedding: l2Embedding ?? l2,
                embeddingGradient,
                epoch,
                auc,
                loss: { click: loss.click, bookmark: loss.bookmark, reply: loss.reply, embedding: loss.embedding },
              });
            };
            createTrainer(model, table, { rowMask: fitMask, maxEpochs: epochs, epsilon: 0, onEpoch }).run();
          }
        }
      }
    }
  }
}
