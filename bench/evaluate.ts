// `npm run bench -- evaluate`: evaluation of one task at the DAEMON test split's size (271,075 dyads,
// 5,949 users, paper §2 / authors-code.md §1.3), and the STL/MTL comparison. Synthetic scores.
import { performance } from 'node:perf_hooks';
import { compareTasks, evaluateTask } from '../src/core/evaluation/index.js';
import { Rng } from '../src/core/random/rng.js';
import { report } from './util.js';

function makeTask(rng: Rng, users: number, dyads: number, signal: number) {
  const userIds = new Int32Array(dyads);
  const labels = new Uint8Array(dyads);
  const scores = new Float64Array(dyads);
  for (let i = 0; i < dyads; i++) {
    userIds[i] = Math.floor((i * users) / dyads);
    labels[i] = rng.nextFloat() < 0.3 ? 1 : 0;
    scores[i] = rng.nextNormal() + signal * labels[i]!;
  }
  return { userIds, labels, scores };
}

/** Times evaluateTask (ranking scores, with calibration) and compareTasks at DAEMON scale. */
export default async function bench(args: string[]): Promise<void> {
  const dyads = Number(args[0] ?? 271075);
  const users = 5949;
  const rng = Rng.fromSeed(1);
  const stlTest = makeTask(rng, users, dyads, 0.3);
  const mtlTest = { ...stlTest, scores: Float64Array.from(stlTest.scores, (s, i) => s + 0.1 * stlTest.labels[i]!) };
  const validation = makeTask(rng, users, Math.round(dyads / 4), 0.3);
  const options = { scoreKind: 'ranking' as const, validation: { labels: validation.labels, scores: validation.scores } };
  evaluateTask(stlTest, options); // warm-up
  const t0 = performance.now();
  const stl = evaluateTask(stlTest, options);
  const t1 = performance.now();
  const mtl = evaluateTask(mtlTest, options);
  const t2 = performance.now();
  const comparison = compareTasks(stl, mtl);
  const t3 = performance.now();
  // A constant scorer: one tie group per user, the tie-aware expectation's worst case for the sort and AP@k.
  const constant = { ...stlTest, scores: new Float64Array(dyads) };
  const t4 = performance.now();
  evaluateTask(constant, options);
  const t5 = performance.now();
  report('evaluate', 'evaluateTask', (t1 - t0) / 1000, 's', { dyads, users, dyadsPerSecond: Math.round(dyads / ((t1 - t0) / 1000)) });
  report('evaluate', 'evaluateTask (second)', (t2 - t1) / 1000, 's', { dyads, users });
  report('evaluate', 'compareTasks', (t3 - t2) / 1000, 's', { users, pAuc: comparison.pValues.auc });
  report('evaluate', 'evaluateTask (constant scores, all tied)', (t5 - t4) / 1000, 's', { dyads, users });
}
