// Every fast-check property in the suite draws from one seed (the guide's "all randomness flows from one seed"): a
// run is replayable, and a failure is the same on every machine. DYADFLOW_TEST_SEED=N explores other inputs; a
// property that fixes its own seed keeps it.
import fc from 'fast-check';

const raw = process.env.DYADFLOW_TEST_SEED;
const seed = raw === undefined || raw === '' ? 20160101 : Number(raw);
if (!Number.isSafeInteger(seed)) throw new Error(`DYADFLOW_TEST_SEED must be an integer, got ${JSON.stringify(raw)}`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
