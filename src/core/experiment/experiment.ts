// The paper's experiment on a feature table (method.md §6–7; paper §4): choose hyper-parameters on the
// validation part of the training dyads, train the four STL baselines and the MTL model on all training
// dyads with them, and evaluate all of them on the test dyads (Fig. 2). Pure: the pipeline does the I/O.
import { SPLIT, type FeatureTable } from '../features/feature-table.js';
import { validationMask } from '../split/validation.js';
import {
  cloneScaler,
  createModel,
  fitScaler,
  MODEL_KINDS,
  modelKind,
  scoreBookmark,
  scoreClick,
  scoreEmbedding,
  scoreReply,
  stlKindOf,
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
  type Fig2,
  type Fig2NullReasons,
  type Fig2Task,
  type ScoreKind,
  type TaskDyads,
  type TaskEvaluation,
} from '../evaluation/index.js';

/** The hyper-parameter grid searched on validation (paper §4: λ in [1e-4, 1e-1], class weights {1,3,5,7,9}). */
export interface SelectionGrid {
  /** λ, applied to every L2 term of a model (the paper's eq. 3 has one λ). */
  l2: number[];
  /** Positive-class weights of the bookmark loss. */
  bookmarkWeight: number[];
  /** Positive-class weights of the reply loss. */
  replyWeight: number[];
}

/** A default grid small enough for `reproduce` on the daemon preset within minutes. */
export const DEFAULT_SELECTION_GRID: SelectionGrid = { l2: [1e-4, 1e-2], bookmarkWeight: [7], replyWeight: [5] };

/** Options of the experiment. */
export interface ExperimentOptions {
  /** Trainer options shared by every model (kind, λ and class weights are set per model). */
  model: Partial<Omit<ModelOptions, 'kind'>>;
  grid: SelectionGrid;
  /** Decision thresholds tried on validation for F1 (the paper's {0.3, …, 0.5}). */
  thresholdGrid: number[];
}

/** One tried point of the grid and its validation F1 (the paper tuned on F1). */
export interface GridPoint {
  l2: number;
  bookmarkWeight: number;
  replyWeight: number;
  /** Mean validation F1 over the model's tasks (null where no task had a defined F1). */
  validationF1: number | null;
  epochs: number;
}

/** How a model kind's hyper-parameters were chosen and how its final training went. */
export interface ModelRun {
  kind: ModelKind;
  grid: GridPoint[];
  chosen: { l2: number; bookmarkWeight: number; replyWeight: number };
  epochs: number;
  stoppedBy: string;
  losses: EpochLoss[];
}

/** Per task and model: the decision threshold and calibration F1 used, chosen on validation by the selection model. */
export interface TaskDecision {
  threshold: number | null;
  thresholdNote: string | null;
  calibration: { a: number; b: number } | null;
}

/** Everything the experiment produced; deterministic for a given table and options. */
export interface ExperimentResult {
  rows: { train: number; validation: number; test: number };
  runs: Record<ModelKind, ModelRun>;
  fig2: Fig2;
  nullReasons: Fig2NullReasons;
  decisions: Record<Fig2Task, { stl: TaskDecision; mtl: TaskDecision }>;
  models: Record<ModelKind, Model>;
}

/** Progress callbacks (progress bars, logs). */
export interface ExperimentHooks {
  onTraining?: (label: string, maxEpochs: number) => void;
  onEpoch?: (label: string, loss: EpochLoss) => void;
}

// The three kind tables below are read off the model kinds' descriptors (src/core/model/kinds.ts).
const STL_OF = Object.fromEntries(FIG2_TASKS.map((task) => [task, stlKindOf(task)])) as Record<Fig2Task, ModelKind>;

/** The Fig. 2 rows a model kind provides (MTL: all four; its embedding row scores ⟨U, I⟩). */
const REPORTED_TASKS = Object.fromEntries(MODEL_KINDS.map((kind) => [kind, modelKind(kind).reports])) as Record<ModelKind, readonly Fig2Task[]>;

/** The tasks a model kind is judged on during selection. */
const SELECTION_TASKS = Object.fromEntries(MODEL_KINDS.map((kind) => [kind, modelKind(kind).selectedOn])) as Record<ModelKind, readonly Fig2Task[]>;

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
  const column = task === 'bookmark' ? table.bookmark : task === 'reply' ? table.reply : table.click;
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

/** The dyads of `rows` for one task of a model: ids, labels and scores. */
function taskDyads(model: Model, table: FeatureTable, task: Fig2Task, rows: Int32Array): { dyads: TaskDyads; kind: ScoreKind } {
  const { scores, kind } = scoresOf(model, table, task, rows);
  return { dyads: { userIds: idsAt(table.userIds, rows), itemIds: idsAt(table.itemIds, rows), labels: labelsOf(table, task, rows), scores }, kind };
}

/** Evaluates a task on the validation rows, choosing its threshold (and calibration) there: the selection step. */
function evaluateOnValidation(model: Model, table: FeatureTable, task: Fig2Task, validationRows: Int32Array, thresholdGrid: number[]): TaskEvaluation {
  const { dyads, kind } = taskDyads(model, table, task, validationRows);
  return evaluateTask(dyads, { scoreKind: kind, validation: { labels: dyads.labels, scores: dyads.scores }, thresholdGrid });
}

/** Evaluates a task on the test rows with a threshold and calibration chosen earlier on validation. */
function evaluateOnTest(model: Model, table: FeatureTable, task: Fig2Task, testRows: Int32Array, decision: TaskDecision): TaskEvaluation {
  const { dyads, kind } = taskDyads(model, table, task, testRows);
  return evaluateTask(dyads, {
    scoreKind: kind,
    decision: decision.threshold === null ? null : { threshold: decision.threshold, calibration: decision.calibration },
  });
}

function modelFor(kind: ModelKind, base: Partial<Omit<ModelOptions, 'kind'>>, l2: number, bookmarkWeight: number, replyWeight: number, scaler: ContextScaler): Model {
  return createModel({ ...base, kind, l2Click: l2, l2Bookmark: l2, l2Reply: l2, l2Embedding: l2, bookmarkWeight, replyWeight }, cloneScaler(scaler));
}

/** The grid points a kind searches: class weights only for the tasks it has. */
function gridFor(kind: ModelKind, grid: SelectionGrid): { l2: number; bookmarkWeight: number; replyWeight: number }[] {
  const bw = kind === 'mtl' || kind === 'stl-bookmark' ? grid.bookmarkWeight : [grid.bookmarkWeight[0]!];
  const rw = kind === 'mtl' || kind === 'stl-reply' ? grid.replyWeight : [grid.replyWeight[0]!];
  const out: { l2: number; bookmarkWeight: number; replyWeight: number }[] = [];
  for (const l2 of grid.l2) for (const b of bw) for (const r of rw) out.push({ l2, bookmarkWeight: b, replyWeight: r });
  return out;
}

function mask(table: FeatureTable, pick: (r: number) => boolean): Uint8Array {
  const m = new Uint8Array(table.length);
  for (let r = 0; r < table.length; r++) m[r] = pick(r) ? 1 : 0;
  return m;
}

/**
 * Runs the experiment: per model kind, grid search on validation (train on training minus validation,
 * judge by validation F1 at the threshold, and calibration, chosen there), then the final model on every
 * training dyad with the chosen λ and class weights, then the Fig. 2 evaluation on the test dyads with the
 * chosen thresholds and calibrations. Ties in validation F1 keep the earlier grid point.
 */
export function runExperiment(table: FeatureTable, opts: ExperimentOptions, hooks: ExperimentHooks = {}): ExperimentResult {
  const validation = validationMask(table);
  const fitMask = mask(table, (r) => table.split[r] === SPLIT.train && validation[r] === 0);
  const trainMask = mask(table, (r) => table.split[r] === SPLIT.train);
  const testRows = rowsWhere(mask(table, (r) => table.split[r] === SPLIT.test));
  const validationRows = rowsWhere(validation);
  const kinds: ModelKind[] = ['stl-click', 'stl-embedding', 'stl-bookmark', 'stl-reply', 'mtl'];
  const runs = {} as Record<ModelKind, ModelRun>;
  const models = {} as Record<ModelKind, Model>;

  const fitPartScaler = fitScaler(table, fitMask);
  const trainScaler = fitScaler(table, trainMask);
  // Per kind and task: the threshold and calibration chosen on validation by the winning grid point's model
  // (trained without the validation dyads), then applied unchanged to the final model's test scores.
  const chosenDecisions = {} as Record<ModelKind, Partial<Record<Fig2Task, TaskDecision>>>;

  for (const kind of kinds) {
    const points: GridPoint[] = [];
    let best: GridPoint | null = null;
    let bestDecisions: Partial<Record<Fig2Task, TaskDecision>> = {};
    for (const p of gridFor(kind, opts.grid)) {
      const label = `${kind} λ=${p.l2} bw=${p.bookmarkWeight} rw=${p.replyWeight} (validation)`;
      const model = modelFor(kind, opts.model, p.l2, p.bookmarkWeight, p.replyWeight, fitPartScaler);
      hooks.onTraining?.(label, model.options.maxEpochs);
      const result = trainModel(model, table, { rowMask: fitMask, onEpoch: (l) => hooks.onEpoch?.(label, l) });
      const f1s: number[] = [];
      const decisions: Partial<Record<Fig2Task, TaskDecision>> = {};
      for (const task of REPORTED_TASKS[kind]) {
        const e = evaluateOnValidation(model, table, task, validationRows, opts.thresholdGrid);
        decisions[task] = decisionOf(e);
        if (SELECTION_TASKS[kind].includes(task) && e.metrics.f1 !== null) f1s.push(e.metrics.f1);
      }
      let sum = 0;
      for (const f of f1s) sum += f;
      const point: GridPoint = { ...p, validationF1: f1s.length === 0 ? null : sum / f1s.length, epochs: result.epochs.length };
      points.push(point);
      if (best === null || (point.validationF1 ?? -1) > (best.validationF1 ?? -1)) {
        best = point;
        bestDecisions = decisions;
      }
    }
    const chosen = best ?? { l2: opts.grid.l2[0]!, bookmarkWeight: opts.grid.bookmarkWeight[0]!, replyWeight: opts.grid.replyWeight[0]! };
    chosenDecisions[kind] = bestDecisions;
    const label = `${kind} (final)`;
    const model = modelFor(kind, opts.model, chosen.l2, chosen.bookmarkWeight, chosen.replyWeight, trainScaler);
    hooks.onTraining?.(label, model.options.maxEpochs);
    const result = trainModel(model, table, { rowMask: trainMask, onEpoch: (l) => hooks.onEpoch?.(label, l) });
    models[kind] = model;
    runs[kind] = {
      kind,
      grid: points,
      chosen: { l2: chosen.l2, bookmarkWeight: chosen.bookmarkWeight, replyWeight: chosen.replyWeight },
      epochs: result.epochs.length,
      stoppedBy: result.stoppedBy,
      losses: result.epochs,
    };
  }

  const evals = {} as Record<Fig2Task, { stl: TaskEvaluation; mtl: TaskEvaluation }>;
  const decisions = {} as Record<Fig2Task, { stl: TaskDecision; mtl: TaskDecision }>;
  const none: TaskDecision = { threshold: null, thresholdNote: 'no validation model', calibration: null };
  for (const task of ['click', 'embedding', 'bookmark', 'reply'] as const) {
    const stlDecision = chosenDecisions[STL_OF[task]][task] ?? none;
    const mtlDecision = chosenDecisions.mtl[task] ?? none;
    evals[task] = {
      stl: evaluateOnTest(models[STL_OF[task]], table, task, testRows, stlDecision),
      mtl: evaluateOnTest(models.mtl, table, task, testRows, mtlDecision),
    };
    decisions[task] = { stl: stlDecision, mtl: mtlDecision };
  }
  const { fig2, nullReasons } = buildFig2(evals);
  return {
    rows: { train: rowsWhere(trainMask).length, validation: validationRows.length, test: testRows.length },
    runs,
    fig2,
    nullReasons,
    decisions,
    models,
  };
}
