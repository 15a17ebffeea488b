// The synthetic data generator: presets, record types and the generator.
export { AliasTable } from './alias.js';
export { DAEMON, RECSYS16, SYNTH_PRESETS, TINY, type SynthPresetName, type SynthPresetParams } from './presets.js';
export type { SynthItemRow, SynthRecord, SynthSink, SynthSummary, SynthUserRow } from './rows.js';
export { AFFINITY_WEIGHTS, SYNTH_LATENT_DIM, buildSynthetic, generateSynthetic, type SynthDataset } from './generate.js';
export { SYNTH_TRUTH_FORMAT_VERSION, checkTruth, oracleScores, truthAffinity, type SynthTruth, type TruthTask } from './truth.js';
