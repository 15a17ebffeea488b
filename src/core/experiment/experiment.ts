// The paper's experiment on a feature table (method.md §6–7; paper §4; issue 10): choose each model's
// hyper-parameters on the validation part of the training dyads, train the four STL baselines, the paper's
// MTL and any variant kinds on all training dyads with them, score the baselines (and, on synthetic data, the
// oracle) from training dyads only, and evaluate every row on the test dyads (Fig. 2). Pure: the pipeline
// does the I/O.
//
// Selection (method.md §6): each task's λ (λ1 click, λ2 bookmark, λ3 reply, λ4 embedding) is chosen by that
// task's validation per-user AUC; F1 only picks the decision threshold; a tie goes to the stronger
// regularisation (the larger λ), then to the smaller class weight, never to grid order. No defined validation
// AUC at any grid point counts as a tie of all of them, and the run says what it fell back to.
// How a kind is searched:
// - 'single-task' (STL kinds): every grid value, judged by the one task.
// - 'per-task' (the paper's MTL with embeddingGradient 'ranking'): the embeddings learn from task 4 only, so
//   they depend on λ4 alone, and w1, w2, w3 depend on their own λ (and class weight) given the embeddings.
//   Stage 1 trains one model per grid λ with all four λ equal and picks λ4 by the embedding row's AUC; stage 2
//   trains, with λ4 fixed there, one model per grid λ for λ1 = λ2 = λ3 (class weights paired by index), and
//   each task picks its own λ among those. Every (λ_t, λ4) a task is judged at was trained: 2·|grid| − 1
//   trainings. What remains coupled is the training length: the stop rule reads every task's loss, so the
//   final model's epochs need not equal those of any validated run.
// - 'joint' (every other kind: shared embedding gradients, the variants whose heads share): one λ for all
//   tasks and the class weights, chosen by the mean validation per-user AUC over the kind's tasks: the
//   tasks cannot be tuned apart when their parameters feed each other.
import { SPLIT, type FeatureTable } from '../features/feature-table.js';
import { validationPart } from '../split/validation.js';
import {
  cloneScaler,
  createModel,
  DEFAULT_MODEL_OPTIONS,
  fitScaler,
  modelKind,
  mtlVariants,
  stlKindOf,
  scoreBookmark,
  scoreClick,
  scoreEmbedding,
  scoreReply,
  trainModel,
  type ContextScaler,
  type EpochLoss,
  type Model,
  type ModelKind,
  type ModelOptions,
} from '../model/index.js';
import {
  buildFig2,
  evaluateTask,
  FIG2_TASKS,
  type BaselineName,
  type Fig2,
  type Fig2NullReasons,
  type Fig2Task,
  type ScoreKind,
  type TaskDyads,
  type TaskEvaluation,
  type TaskRows,
} from '../evaluation/index.js';
import { oracleScores, type SynthTruth } from '../synth/truth.js';
import { baselineScores, itemCounts, labelOfTask, type CountBaseline, type ItemCounts } from './baselines.js';
import { evaluationFlags, selectionFlags, type Flag } from './flags.js';

/** The hyper-parameter grid searched on validation (paper §4: λ in [1e-4, 1e-1], class weights {1,3,5,7,9}). */
export interface SelectionGrid {
  /** λ values; each task's λ is chosen among them. */
  l2: number[];
  /** Positive-class weights of the bookmark loss. */
  bookmarkWeight: number[];
  /** Positive-class weights of the reply loss. */
  replyWeight: number[];
}

/**
 * The default grid: three λ a decade apart, the code's class weights. `reproduce` on daemon with every row
 * (5 STL and MTL kinds, 2·3 − 1 MTL selection trainings) stays within the 3-minute budget on the reference
 * machine (README); FULL_SELECTION_GRID is the paper's search.
 */
export const DEFAULT_SELECTION_GRID: SelectionGrid = { l2: [1e-4, 1e-3, 1e-2], bookmarkWeight: [7], replyWeight: [5] };

/** The paper's search (§4): λ from 1e-4 to 1e-1 by decades, class weights {1, 3, 5, 7, 9}. */
export const FULL_SELECTION_GRID: SelectionGrid = { l2: [1e-4, 1e-3, 1e-2, 1e-1], bookmarkWeight: [1, 3, 5, 7, 9], replyWeight: [1, 3, 5, 7, 9] };

/** A model kind compared beside the paper's MTL, under a short name (`fig2.<task>.variants.<name>`). */
export interface ModelVariant {
  name: string;
  kind: ModelKind;
}

/** The variant kinds every run compares (method.md §6: models that really share): every descriptor with a variant name. */
export const DEFAULT_VARIANTS: readonly ModelVariant[] = mtlVariants();

/** Options of the experiment. */
export interface ExperimentOptions {
  /** Trainer options shared by every model (kind, λ and class weights are set per model). */
  model: Partial<Omit<ModelOptions, 'kind'>>;
  grid: SelectionGrid;
  /** Decision thresholds tried on validation for F1 (the paper's {0.3, …, 0.5}). */
  thresholdGrid: number[];
  /** Seed of the feature table's split, so the validation part orders ties as the split did (default: model.seed). */
  splitSeed?: number;
  /** Variant kinds (default DEFAULT_VARIANTS). */
  variants?: readonly ModelVariant[];
}

/** Every hyper-parameter the selection sets. */
export interface HyperParameters {
  l2Click: number;
  l2Bookmark: number;
  l2Reply: number;
  l2Embedding: number;
  bookmarkWeight: number;
  replyWeight: number;
}

/** One trained point of the search: its hyper-parameters, its tasks' validation per-user AUC, its length. */
export interface GridPoint extends HyperParameters {
  /** Validation per-user AUC of each Fig. 2 task the kind has; null where no validation user has both classes. */
  validationAuc: Partial<Record<Fig2Task, number | null>>;
  epochs: number;
}

/** The grid point a task took, its validation AUC, and the fallback when no point had one. */
export interface TaskSelection {
  point: number;
  validationAuc: number | null;
  fallback: string | null;
}

/** How a model kind's hyper-parameters were chosen and how its final training went. */
export interface ModelRun {
  kind: ModelKind;
  search: 'single-task' | 'per-task' | 'joint';
  grid: GridPoint[];
  selection: Partial<Record<Fig2Task, TaskSelection>>;
  chosen: HyperParameters;
  epochs: number;
  stoppedBy: string;
  losses: EpochLoss[];
}

/** Per task and row: the decision threshold and calibration F1 used, chosen on validation. */
export interface TaskDecision {
  threshold: number | null;
  thresholdNote: string | null;
  calibration: { a: number; b: number } | null;
}

/** What the oracle row was scored with, when the dataset came with the generator's truth. */
export interface OracleInfo {
  preset: string;
  seed: number;
  /** Test dyads whose user or item has no truth (scored with a constant: the random expectation). */
  testDyadsWithoutTruth: number;
  testDyads: number;
}

/** Everything the experiment produced; deterministic for a given table and options. */
export interface ExperimentResult {
  rows: {
    train: number;
    validation: number;
    test: number;
    /** Training dyads whose side (fit or validation) the tie order decided (split/validation.ts). */
    validationTiePlaced: number;
  };
  runs: Record<string, ModelRun>;
  fig2: Fig2;
  nullReasons: Fig2NullReasons;
  /** Per task, by row label ('stl', 'mtl', 'baselines.<name>', 'variants.<name>'). */
  decisions: Record<Fig2Task, Record<string, TaskDecision>>;
  flags: Flag[];
  oracle: OracleInfo | null;
  variants: ModelVariant[];
  models: Record<string, Model>;
}

/** Progress callbacks (progress bars, logs). */
export interface ExperimentHooks {
  onTraining?: (label: string, maxEpochs: number) => void;
  onEpoch?: (label: string, loss: EpochLoss) => void;
}

/** Inputs beyond the table: the generator's truth for the oracle row (synthetic data only). */
export interface ExperimentInputs {
  truth?: SynthTruth | null;
}

/** The STL kind of each Fig. 2 row (read off the model kind descriptors). */
export const STL_OF: Record<Fig2Task, ModelKind> = Object.fromEntries(FIG2_TASKS.map((task) => [task, stlKindOf(task)])) as Record<Fig2Task, ModelKind>;

const STL_KINDS: readonly ModelKind[] = FIG2_TASKS.map((task) => STL_OF[task]);

/** The Fig. 2 rows a model kind provides (its descriptor's `reports`: MTL kinds all four, their embedding row ⟨U, I⟩). */
export function reportedTasks(kind: ModelKind): Fig2Task[] {
  const reports = modelKind(kind).reports;
  return FIG2_TASKS.filter((task) => reports.includes(task));
}

/** The threshold and calibration a validation evaluation chose. */
function decisionOf(e: TaskEvaluation): TaskDecision {
  return {
    threshold: e.threshold,
    thresholdNote: e.thresholdNote,
    calibration: e.calibration ? { a: e.calibration.a, b: e.calibration.b } : null,
  };
}

function rowsWhere(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let r = 0; r < mask.length; r++) if (mask[r] === 1) n++;
  const rows = new Int32Array(n);
  for (let r = 0, k = 0; r < mask.length; r++) if (mask[r] === 1) rows[k++] = r;
  return rows;
}

function idsAt(ids: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (r) => ids[r]!);
}

function labelsOf(table: FeatureTable, task: Fig2Task, rows: Int32Array): Uint8Array {
  const column = table[labelOfTask(task)];
  return Uint8Array.from(rows, (r) => column[r]!);
}

/** A task's scores of a model: ranking scores for click and embedding, probabilities for bookmark and reply. */
function scoresOf(model: Model, table: FeatureTable, task: Fig2Task, rows: Int32Array): { scores: Float64Array; kind: ScoreKind } {
  switch (task) {
    case 'click':
      return { scores: scoreClick(model, table, rows), kind: 'ranking' };
    case 'embedding':
      return { scores: scoreEmbedding(model, table, rows), kind: 'ranking' };
    case 'bookmark':
      return { scores: scoreBookmark(model, table, rows), kind: 'probability' };
    case 'reply':
      return { scores: scoreReply(model, table, rows), kind: 'probability' };
  }
}

/** A scorer of rows for one task: a model, a baseline or the oracle. */
type RowScorer = (task: Fig2Task, rows: Int32Array) => { scores: Float64Array; kind: ScoreKind };

function dyadsOf(table: FeatureTable, task: Fig2Task, rows: Int32Array, scores: Float64Array): TaskDyads {
  return { userIds: idsAt(table.userIds, rows), labels: labelsOf(table, task, rows), scores };
}

/** Evaluates a task on the validation rows, choosing its threshold (and calibration) there. */
function evaluateOnValidation(scorer: RowScorer, table: FeatureTable, task: Fig2Task, validationRows: Int32Array, thresholdGrid: number[]): TaskEvaluation {
  const { scores, kind } = scorer(task, validationRows);
  const dyads = dyadsOf(table, task, validationRows, scores);
  return evaluateTask(dyads, { scoreKind: kind, validation: { labels: dyads.labels, scores: dyads.scores }, thresholdGrid });
}

/** Evaluates a task on the test rows with a threshold and calibration chosen earlier on validation. */
function evaluateOnTest(scorer: RowScorer, table: FeatureTable, task: Fig2Task, testRows: Int32Array, decision: TaskDecision): TaskEvaluation {
  const { scores, kind } = scorer(task, testRows);
  return evaluateTask(dyadsOf(table, task, testRows, scores), {
    scoreKind: kind,
    decision: decision.threshold === null ? null : { threshold: decision.threshold, calibration: decision.calibration },
  });
}

function modelScorer(model: Model, table: FeatureTable): RowScorer {
  return (task, rows) => scoresOf(model, table, task, rows);
}

function modelFor(kind: ModelKind, base: Partial<Omit<ModelOptions, 'kind'>>, hp: HyperParameters, scaler: ContextScaler): Model {
  return createModel({ ...base, kind, ...hp }, cloneScaler(scaler));
}

function mask(table: FeatureTable, pick: (r: number) => boolean): Uint8Array {
  const m = new Uint8Array(table.length);
  for (let r = 0; r < table.length; r++) m[r] = pick(r) ? 1 : 0;
  return m;
}

/** How a kind is searched (file comment). */
export function searchOf(kind: ModelKind, model: Partial<Omit<ModelOptions, 'kind'>>): ModelRun['search'] {
  if (STL_KINDS.includes(kind)) return 'single-task';
  const gradient = model.embeddingGradient ?? DEFAULT_MODEL_OPTIONS.embeddingGradient;
  return kind === 'mtl' && gradient === 'ranking' ? 'per-task' : 'joint';
}

const uniform = (l2: number, bookmarkWeight: number, replyWeight: number): HyperParameters => ({
  l2Click: l2,
  l2Bookmark: l2,
  l2Reply: l2,
  l2Embedding: l2,
  bookmarkWeight,
  replyWeight,
});

/** The λ that regularises a task's own parameters. */
function l2Of(hp: HyperParameters, task: Fig2Task): number {
  return task === 'click' ? hp.l2Click : task === 'bookmark' ? hp.l2Bookmark : task === 'reply' ? hp.l2Reply : hp.l2Embedding;
}

/**
 * Whether point a is preferred to point b for `task` (by `score`, null worst): higher score, then the
 * stronger regularisation (larger λ of the task, then larger other λ), then the smaller class weights.
 * A total order on distinct points, so grid order never decides.
 */
function preferred(a: GridPoint, b: GridPoint, task: Fig2Task | null, score: (p: GridPoint) => number | null): boolean {
  const sa = score(a) ?? -Infinity;
  const sb = score(b) ?? -Infinity;
  if (sa !== sb) return sa > sb;
  const keys: number[][] = [a, b].map((p) => [
    task === null ? p.l2Click : l2Of(p, task),
    p.l2Embedding,
    p.l2Click,
    p.l2Bookmark,
    p.l2Reply,
    -p.bookmarkWeight,
    -p.replyWeight,
  ]);
  for (let k = 0; k < keys[0]!.length; k++) if (keys[0]![k] !== keys[1]![k]) return keys[0]![k]! > keys[1]![k]!;
  return false;
}

/** The preferred point among `candidates` (indices into `points`) and, when no score is defined, the fallback note. */
function pick(
  points: GridPoint[],
  candidates: number[],
  task: Fig2Task | null,
  score: (p: GridPoint) => number | null,
  what: string,
): TaskSelection {
  let best = candidates[0]!;
  for (const c of candidates.slice(1)) if (preferred(points[c]!, points[best]!, task, score)) best = c;
  const value = score(points[best]!);
  const p = points[best]!;
  const fallback =
    value === null
      ? `no grid point has a defined validation ${what}: fell back to the tie rule, λ = ${task === null ? p.l2Click : l2Of(p, task)} ` +
        `(the largest searched), bookmark weight ${p.bookmarkWeight}, reply weight ${p.replyWeight} (the smallest)`
      : null;
  return { point: best, validationAuc: value, fallback };
}

function sameHyperParameters(a: HyperParameters, b: HyperParameters): boolean {
  return (
    a.l2Click === b.l2Click &&
    a.l2Bookmark === b.l2Bookmark &&
    a.l2Reply === b.l2Reply &&
    a.l2Embedding === b.l2Embedding &&
    a.bookmarkWeight === b.bookmarkWeight &&
    a.replyWeight === b.replyWeight
  );
}

interface SearchContext {
  table: FeatureTable;
  opts: ExperimentOptions;
  hooks: ExperimentHooks;
  fitMask: Uint8Array;
  fitScaler: ContextScaler;
  validationRows: Int32Array;
}

/** Trains one grid point on the fit part and evaluates each of the kind's tasks on validation. */
function trainPoint(ctx: SearchContext, kind: ModelKind, hp: HyperParameters): { point: GridPoint; decisions: Partial<Record<Fig2Task, TaskDecision>> } {
  const label = `${kind} λ=${hp.l2Click},${hp.l2Bookmark},${hp.l2Reply},${hp.l2Embedding} bw=${hp.bookmarkWeight} rw=${hp.replyWeight} (validation)`;
  const model = modelFor(kind, ctx.opts.model, hp, ctx.fitScaler);
  ctx.hooks.onTraining?.(label, model.options.maxEpochs);
  const result = trainModel(model, ctx.table, { rowMask: ctx.fitMask, onEpoch: (l) => ctx.hooks.onEpoch?.(label, l) });
  const validationAuc: Partial<Record<Fig2Task, number | null>> = {};
  const decisions: Partial<Record<Fig2Task, TaskDecision>> = {};
  for (const task of reportedTasks(kind)) {
    const e = evaluateOnValidation(modelScorer(model, ctx.table), ctx.table, task, ctx.validationRows, ctx.opts.thresholdGrid);
    validationAuc[task] = e.metrics.auc;
    decisions[task] = decisionOf(e);
  }
  return { point: { ...hp, validationAuc, epochs: result.epochs.length }, decisions };
}

/** The search of one kind (file comment): its grid points, each task's pick, the final hyper-parameters. */
function searchKind(
  ctx: SearchContext,
  kind: ModelKind,
): { search: ModelRun['search']; points: GridPoint[]; selection: Partial<Record<Fig2Task, TaskSelection>>; chosen: HyperParameters; decisions: Partial<Record<Fig2Task, TaskDecision>> } {
  const grid = ctx.opts.grid;
  const tasks = reportedTasks(kind);
  const hasBookmark = tasks.includes('bookmark');
  const hasReply = tasks.includes('reply');
  const bws = hasBookmark ? grid.bookmarkWeight : [grid.bookmarkWeight[0]!];
  const rws = hasReply ? grid.replyWeight : [grid.replyWeight[0]!];
  const search = searchOf(kind, ctx.opts.model);
  const points: GridPoint[] = [];
  const pointDecisions: Partial<Record<Fig2Task, TaskDecision>>[] = [];
  const add = (hp: HyperParameters): number => {
    const existing = points.findIndex((p) => sameHyperParameters(p, hp));
    if (existing >= 0) return existing;
    const { point, decisions } = trainPoint(ctx, kind, hp);
    points.push(point);
    pointDecisions.push(decisions);
    return points.length - 1;
  };
  const selection: Partial<Record<Fig2Task, TaskSelection>> = {};
  const aucOf = (task: Fig2Task) => (p: GridPoint) => p.validationAuc[task] ?? null;

  if (search === 'per-task') {
    const stage1 = grid.l2.map((l2) => add(uniform(l2, bws[0]!, rws[0]!)));
    const embedding = pick(points, stage1, 'embedding', aucOf('embedding'), 'per-user AUC of the embedding row');
    const l2Embedding = points[embedding.point]!.l2Embedding;
    selection.embedding = embedding;
    const pairs = Math.max(bws.length, rws.length);
    const stage2: number[] = [];
    for (const l2 of grid.l2) {
      for (let j = 0; j < pairs; j++) {
        stage2.push(add({ ...uniform(l2, bws[j % bws.length]!, rws[j % rws.length]!), l2Embedding }));
      }
    }
    for (const task of ['click', 'bookmark', 'reply'] as const) selection[task] = pick(points, stage2, task, aucOf(task), `per-user AUC of ${task}`);
  } else {
    const all: number[] = [];
    for (const l2 of grid.l2) for (const bw of bws) for (const rw of rws) all.push(add(uniform(l2, bw, rw)));
    if (search === 'single-task') {
      const task = tasks[0]!;
      selection[task] = pick(points, all, task, aucOf(task), `per-user AUC of ${task}`);
    } else {
      const meanAuc = (p: GridPoint): number | null => {
        const values = tasks.map((t) => p.validationAuc[t] ?? null).filter((v): v is number => v !== null);
        let sum = 0;
        for (const v of values) sum += v;
        return values.length === 0 ? null : sum / values.length;
      };
      const joint = pick(points, all, null, meanAuc, 'mean per-user AUC over its tasks');
      for (const task of tasks) selection[task] = { ...joint, validationAuc: points[joint.point]!.validationAuc[task] ?? null };
    }
  }

  const at = (task: Fig2Task): GridPoint => points[selection[task]!.point]!;
  const first = points[selection[tasks[0]!]!.point]!;
  const chosen: HyperParameters =
    search === 'per-task'
      ? {
          l2Click: at('click').l2Click,
          l2Bookmark: at('bookmark').l2Bookmark,
          l2Reply: at('reply').l2Reply,
          l2Embedding: at('embedding').l2Embedding,
          bookmarkWeight: at('bookmark').bookmarkWeight,
          replyWeight: at('reply').replyWeight,
        }
      : { l2Click: first.l2Click, l2Bookmark: first.l2Bookmark, l2Reply: first.l2Reply, l2Embedding: first.l2Embedding, bookmarkWeight: first.bookmarkWeight, replyWeight: first.replyWeight };
  const decisions: Partial<Record<Fig2Task, TaskDecision>> = {};
  for (const task of tasks) decisions[task] = pointDecisions[selection[task]!.point]![task]!;
  return { search, points, selection, chosen, decisions };
}

/** A count baseline as a row scorer, with the score kind its F1 uses. */
function countScorer(name: CountBaseline, counts: ItemCounts, table: FeatureTable): RowScorer {
  const kind: ScoreKind = name === 'popularity' ? 'ranking' : 'probability';
  return (task, rows) => ({ scores: baselineScores(name, task, counts, table, rows), kind });
}

/** The oracle as a row scorer: the generator's probabilities (the embedding row is judged on clicks). */
function oracleScorer(truth: SynthTruth, table: FeatureTable, missing: { count: number }): RowScorer {
  return (task, rows) => {
    const r = oracleScores(truth, labelOfTask(task), idsAt(table.userIds, rows), idsAt(table.itemIds, rows));
    missing.count = r.missing;
    return { scores: r.scores, kind: 'probability' };
  };
}

/**
 * Runs the experiment: per model kind, the search of the file comment on the validation part (models trained
 * on the training dyads minus validation; thresholds and calibrations chosen there), the final model on every
 * training dyad with the chosen hyper-parameters, the baselines from training dyads only, and every row
 * evaluated on the test dyads with its validation decisions.
 */
export function runExperiment(table: FeatureTable, opts: ExperimentOptions, hooks: ExperimentHooks = {}, inputs: ExperimentInputs = {}): ExperimentResult {
  const part = validationPart(table, opts.splitSeed ?? opts.model.seed ?? DEFAULT_MODEL_OPTIONS.seed);
  const validation = part.mask;
  const fitMask = mask(table, (r) => table.split[r] === SPLIT.train && validation[r] === 0);
  const trainMask = mask(table, (r) => table.split[r] === SPLIT.train);
  const testRows = rowsWhere(mask(table, (r) => table.split[r] === SPLIT.test));
  const validationRows = rowsWhere(validation);
  const variants = [...(opts.variants ?? DEFAULT_VARIANTS)];
  const kinds: ModelKind[] = [...STL_KINDS, 'mtl', ...variants.map((v) => v.kind).filter((k) => k !== 'mtl' && !STL_KINDS.includes(k))];
  const runs: Record<string, ModelRun> = {};
  const models: Record<string, Model> = {};

  const ctx: SearchContext = { table, opts, hooks, fitMask, fitScaler: fitScaler(table, fitMask), validationRows };
  const trainScaler = fitScaler(table, trainMask);
  const chosenDecisions: Record<string, Partial<Record<Fig2Task, TaskDecision>>> = {};

  for (const kind of kinds) {
    const s = searchKind(ctx, kind);
    chosenDecisions[kind] = s.decisions;
    const label = `${kind} (final)`;
    const model = modelFor(kind, opts.model, s.chosen, trainScaler);
    hooks.onTraining?.(label, model.options.maxEpochs);
    const result = trainModel(model, table, { rowMask: trainMask, onEpoch: (l) => hooks.onEpoch?.(label, l) });
    models[kind] = model;
    runs[kind] = {
      kind,
      search: s.search,
      grid: s.points,
      selection: s.selection,
      chosen: s.chosen,
      epochs: result.epochs.length,
      stoppedBy: result.stoppedBy,
      losses: result.epochs,
    };
  }

  // Baselines: decisions from the fit part's counts on validation, test scores from all training dyads.
  const fitCounts = itemCounts(table, fitMask);
  const trainCounts = itemCounts(table, trainMask);
  const truth = inputs.truth ?? null;
  const oracleMissing = { count: 0 };
  const baselineScorers: { name: BaselineName; validation: RowScorer; test: RowScorer }[] = (['random', 'popularity', 'itemRate'] as const).map((name) => ({
    name,
    validation: countScorer(name, fitCounts, table),
    test: countScorer(name, trainCounts, table),
  }));
  if (truth) {
    const o = oracleScorer(truth, table, oracleMissing);
    baselineScorers.push({ name: 'oracle', validation: o, test: o });
  }

  const evals = {} as Record<Fig2Task, TaskRows>;
  const decisions = {} as Record<Fig2Task, Record<string, TaskDecision>>;
  const none: TaskDecision = { threshold: null, thresholdNote: 'no validation model', calibration: null };
  let oracleTestMissing = 0;
  for (const task of FIG2_TASKS) {
    const d: Record<string, TaskDecision> = {};
    const stlKind = STL_OF[task];
    d.stl = chosenDecisions[stlKind]![task] ?? none;
    d.mtl = chosenDecisions.mtl![task] ?? none;
    const rows: TaskRows = {
      stl: evaluateOnTest(modelScorer(models[stlKind]!, table), table, task, testRows, d.stl),
      mtl: evaluateOnTest(modelScorer(models.mtl!, table), table, task, testRows, d.mtl),
      baselines: {},
      variants: {},
    };
    for (const v of variants) {
      if (!reportedTasks(v.kind).includes(task)) continue;
      const decision = chosenDecisions[v.kind]![task] ?? none;
      d[`variants.${v.name}`] = decision;
      rows.variants[v.name] = evaluateOnTest(modelScorer(models[v.kind]!, table), table, task, testRows, decision);
    }
    for (const b of baselineScorers) {
      // The random row's F1 is the predict-everything-positive F1: a constant probability of 1 above any threshold.
      const decision = b.name === 'random' ? { threshold: opts.thresholdGrid[0]!, thresholdNote: null, calibration: null } : decisionOf(evaluateOnValidation(b.validation, table, task, validationRows, opts.thresholdGrid));
      d[`baselines.${b.name}`] = decision;
      rows.baselines[b.name] = evaluateOnTest(b.test, table, task, testRows, decision);
      if (b.name === 'oracle') oracleTestMissing = oracleMissing.count;
    }
    evals[task] = rows;
    decisions[task] = d;
  }
  const { fig2, nullReasons } = buildFig2(evals);
  const oracle: OracleInfo | null = truth ? { preset: truth.preset, seed: truth.seed, testDyadsWithoutTruth: oracleTestMissing, testDyads: testRows.length } : null;
  const flags = [...selectionFlags(runs), ...evaluationFlags(evals, oracle)];
  return {
    rows: { train: rowsWhere(trainMask).length, validation: validationRows.length, test: testRows.length, validationTiePlaced: part.tiePlaced },
    runs,
    fig2,
    nullReasons,
    decisions,
    flags,
    oracle,
    variants,
    models,
  };
}
