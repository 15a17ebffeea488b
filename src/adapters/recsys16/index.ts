// The RecSys Challenge 2016 file adapter: streaming readers and writers of the four tab-separated files.
export {
  BAD_ROW_SAMPLES,
  DEAD_LETTERS_HEADER,
  checkDeadLetterPath,
  createDeadLetterCounter,
  createDeadLetterFile,
  createDeadLetterMemory,
  isDeadLetterFile,
  openDeadLetters,
  removeDeadLetterFile,
  withDeadLetters,
  type BadRow,
  type BadRowSample,
  type BadRowsReport,
  type DeadLetterSink,
  type DeadLetters,
} from './bad-row.js';
export { countDataLines } from './count-lines.js';
export { IMPRESSION_COLUMNS, INTERACTION_COLUMNS, ITEM_COLUMNS, USER_COLUMNS, headerLine } from './format.js';
export { readInteractionBatches, type InteractionBatch, type InteractionReadSummary } from './read-interactions.js';
export { readImpressionBatches, type ImpressionBatch, type ImpressionReadSummary } from './read-impressions.js';
export { readProfiles } from './read-profiles.js';
export { checkDatasetFiles, loadDataset, type LoadOptions } from './load-dataset.js';
export {
  createImpressionWriter,
  createInteractionWriter,
  createItemWriter,
  createUserWriter,
  type ItemProfileRow,
  type RecsysWriter,
  type UserProfileRow,
} from './write.js';
export { TRUTH_FILE, parseTruth, readTruthFile, serializeTruth, writeTruthFile } from './truth.js';
