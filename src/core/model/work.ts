// Work in bounded pieces: a long synchronous job (growing a model, packing a training set) written as a
// generator that yields, every WORK_CHUNK units or fewer, how many units it did since its last yield. The
// trainer runs such jobs inside its slices (sgd.ts, createTrainer); drain runs one to the end at once.

/** Units (rows, ids) between two yields of a sliceable job. */
export const WORK_CHUNK = 4096;

/** A sliceable job: yields units done since the last yield, returns its result. */
export type Work<T> = Generator<number, T, void>;

/** Runs a sliceable job to its end and returns its result. */
export function drain<T>(work: Work<T>): T {
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
  }
}
