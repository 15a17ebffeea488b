// Ambient types for parquetjs-lite 0.8.7 (it ships none): only what dyadflow uses, including the two
// internal fields of ParquetWriter (`rowBuffer`, `rowGroupSize`) that the columnar write path fills
// (dependencies.md). The version is pinned in package.json because these internals are not an API.
declare module 'parquetjs-lite' {
  namespace parquet {
    type ParquetCompression = 'UNCOMPRESSED' | 'SNAPPY' | 'GZIP' | 'BROTLI';

    /** One field of a ParquetSchema definition. */
    interface FieldDefinition {
      type: string;
      optional?: boolean;
      repeated?: boolean;
      encoding?: 'PLAIN' | 'RLE';
      compression?: ParquetCompression;
      statistics?: boolean;
      typeLength?: number;
    }

    /** A parsed leaf field of a schema. */
    interface ParquetField {
      name: string;
      path: string[];
      primitiveType?: string;
      originalType?: string;
      repetitionType: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
      rLevelMax: number;
      dLevelMax: number;
      isNested?: boolean;
    }

    class ParquetSchema {
      constructor(definition: Record<string, FieldDefinition>);
      readonly fields: Record<string, ParquetField>;
      readonly fieldList: ParquetField[];
    }

    /** Shredded values of one column in a row buffer (the Dremel triples plus statistics input). */
    interface ColumnBuffer {
      dlevels: number[];
      rlevels: number[];
      values: unknown[];
      distinct_values: Set<unknown>;
      count: number;
    }

    /** The writer's buffer of shredded rows for the current row group (see lib/shred.js). */
    interface RowBuffer {
      rowCount?: number;
      pageRowCount?: number;
      columnData?: Record<string, ColumnBuffer>;
      pages?: Record<string, unknown[]>;
    }

    interface WriterOptions {
      rowGroupSize?: number;
      pageSize?: number;
      useDataPageV2?: boolean;
      pageIndex?: boolean;
      flags?: string;
      mode?: number;
    }

    class ParquetWriter {
      static openFile(schema: ParquetSchema, path: string, opts?: WriterOptions): Promise<ParquetWriter>;
      appendRow(row: Record<string, unknown>): Promise<void>;
      close(): Promise<void>;
      setMetadata(key: string, value: string): void;
      /** Internal: the shredded rows of the row group being built. */
      rowBuffer: RowBuffer;
      /** Internal: the row count at which appendRow writes the row group out. */
      rowGroupSize: number;
      /** Internal: the envelope writer; `close()` ends the output stream (used to release the file after a failure). */
      envelopeWriter: { close(): Promise<void> };
    }

    interface KeyValue {
      key: string;
      value: string;
    }

    interface FileMetaData {
      version: number;
      created_by?: string;
      num_rows: unknown;
      key_value_metadata?: KeyValue[];
      row_groups: { num_rows: unknown }[];
    }

    class ParquetCursor {
      next(): Promise<Record<string, unknown> | null>;
      nextRowGroup(): Promise<Record<string, unknown>[] | null>;
    }

    class ParquetReader {
      static openFile(path: string, opts?: Record<string, unknown>): Promise<ParquetReader>;
      static openBuffer(buffer: Buffer, opts?: Record<string, unknown>): Promise<ParquetReader>;
      getCursor(columns?: string[]): ParquetCursor;
      getRowCount(): unknown;
      getSchema(): ParquetSchema;
      getMetadata(): Record<string, string>;
      metadata: FileMetaData;
      close(): Promise<void>;
    }
  }

  export = parquet;
}
