// Ambient types for parquetjs-lite 0.8.7 (it ships none): only what dyadflow uses. dyadflow's own Parquet encoder
// (src/adapters/parquet/encoder.ts) reproduces this exact version's bytes, hence the pin in package.json.
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

    /** The output parquetjs-lite writes through (lib/util.js oswrite/osend): a Node writable stream or its like. */
    interface OutputStream {
      write(buf: Buffer, cb: (err?: unknown) => void): void;
      end(cb: (err?: unknown) => void): void;
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
      static openStream(schema: ParquetSchema, output: OutputStream, opts?: WriterOptions): Promise<ParquetWriter>;
      appendRow(row: Record<string, unknown>): Promise<void>;
      close(): Promise<void>;
      setMetadata(key: string, value: string): void;
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
