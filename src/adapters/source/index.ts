// The stream's event sources over files: the RecSys 2016 folder replayed in event-time order (merge, sort, spill).
export {
  DEFAULT_SORT_MEMORY_BYTES,
  FileSource,
  openFileSource,
  type FilePosition,
  type FileSourceNotice,
  type FileSourceOptions,
  type FileSourcePosition,
} from './file-source.js';
export { DEFAULT_FAN_IN, removeStaleSortRuns, SORT_DIR_PREFIX, SortedRowCursor, type SortOptions, type SortStats } from './external-sort.js';
export {
  FILE_IMPRESSIONS,
  FILE_INTERACTIONS,
  FileRowCursor,
  nextCursor,
  ROW_BAD,
  ROW_IMPRESSION,
  ROW_INTERACTION,
  type FileKind,
  type Row,
  type RowCursor,
  type RowKind,
} from './row-cursor.js';
