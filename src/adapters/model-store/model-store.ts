// Model directories (architecture.md, "An output directory of run"): parameters.bin (binary, little-endian,
// keyed by external ids) and manifest.json, each by the one durable atomic write (src/adapters/fs), manifest
// last, so a reader never sees half a model. Rows are written in ascending external id, so the same parameters give
// the same bytes whatever order ids were first seen in.
//
// parameters.bin, format version 2 (all little-endian):
//   "DYADFLOW" (8 bytes) · u32 format version · u32 bytes per value (8 float64, 4 float32) · u32 dim
//   · u32 weight count · u32 user count · u32 item count · u32 scaler width · f64 scaler count
//   · f64[scaler width] scaler mean · f64[scaler width] scaler M2 · value[weight count] weights
//   · i32[users] user ids (ascending) · value[users × dim] user embeddings in that order
//   · i32[items] item ids (ascending) · value[items × dim] item embeddings in that order
// The weights are laid out as src/core/model/layout.ts says for the manifest's kind and dim. Version 2: the
// scaler covers all 31 non-embedding inputs (version 1's covered the 16 context columns, and its weights
// were fitted to unscaled win/tie/loss columns, so it cannot be read as version 2); the model kinds
// mtl-bilinear and mtl-stacking; two step sizes in the options.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DyadflowError, InputError } from '../../core/errors.js';
import { IdIndex } from '../../core/ids/id-index.js';
import { BASE_WIDTH, weightLayout } from '../../core/model/layout.js';
import { allocParams, createModel, hasEmbeddings, type EpochLoss, type Model, type Params } from '../../core/model/model.js';
import type { ModelKind, ModelOptions, Precision } from '../../core/model/options.js';
import { validatorFor } from '../schemas/validators.js';
import { createAtomicFile, writeFileAtomic, type FileDigest } from '../fs/atomic-file.js';

/** The model file format this build writes and reads. */
export const MODEL_FORMAT_VERSION = 2;

/** Why an older format cannot be read, by version. */
const OLD_FORMATS: Record<number, string> = {
  1: 'written by an earlier dyadflow whose scaler covered only the 16 context columns; retrain the model',
};

function unknownVersion(dir: string, what: string, version: unknown): InputError {
  const why = typeof version === 'number' ? OLD_FORMATS[version] : undefined;
  // Exit 2 like every other unknown format version: the file as it is cannot be read, and retrying will not help.
  return new InputError(
    'DF_ERR_MODEL_FORMAT',
    `model ${dir}: ${what}format version ${JSON.stringify(version ?? null)} is not supported${why ? ` (${why})` : ''}; this dyadflow reads version ${MODEL_FORMAT_VERSION}`,
  );
}

const MAGIC = 'DYADFLOW';
const PARAMETERS_FILE = 'parameters.bin';
const MANIFEST_FILE = 'manifest.json';
const SCHEMA_FILE = 'model-manifest.schema.json';

/** What the caller adds to a model's manifest. */
export interface ModelManifestExtras {
  /** `sha256:…` of the table the model was last trained on (see fingerprintTable). */
  dataFingerprint: string;
  /** Id of the model this one was warm-started from. */
  parent?: string | null;
  /** Id of the snapshot it was last trained on. */
  snapshot?: string | null;
  /** Evaluation results; free-form. */
  metrics?: Record<string, unknown> | null;
}

/** manifest.json of a model directory (schemas/model-manifest.schema.json). */
export interface ModelManifest {
  formatVersion: number;
  kind: ModelKind;
  options: ModelOptions;
  dataFingerprint: string;
  parent: string | null;
  snapshot: string | null;
  epochs: number;
  losses: EpochLoss[];
  metrics: Record<string, unknown> | null;
  parameters: { file: string; bytes: number; sha256: string; precision: Precision; weights: number; users: number; items: number };
  scaler: { count: number };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Rows of an id index in ascending id order: [ids, dense indices]. */
function sortedRows(index: IdIndex): [Int32Array, Int32Array] {
  const ixs = index.ixsByIdOrder();
  return [Int32Array.from(ixs, (ix) => index.idAt(ix)), ixs];
}

// Rows of embeddings per chunk of parameters.bin: about 4 MiB, so a model of millions of rows is written (and
// hashed) a chunk at a time with the event loop turning in between, never built whole in memory.
const CHUNK_VALUES = 1 << 19;

/** parameters.bin (format version 2) as a sequence of chunks, in file order: header, weights, then each id block and its rows. */
export function* parameterChunks(model: Model): Generator<Uint8Array> {
  const { dim, precision } = model.options;
  const bpv = precision === 'float32' ? 4 : 8;
  const [userIds, userIxs] = sortedRows(model.users);
  const [itemIds, itemIxs] = sortedRows(model.items);
  const ctxWidth = model.scaler.mean.length;
  if (ctxWidth !== BASE_WIDTH) throw new DyadflowError('DF_ERR_INVARIANT', `scaler width ${ctxWidth}, expected ${BASE_WIDTH}`);
  const head = Buffer.alloc(8 + 7 * 4 + 8 + 2 * 8 * ctxWidth + bpv * model.weights.length);
  let o = head.write(MAGIC, 0, 'latin1');
  for (const v of [MODEL_FORMAT_VERSION, bpv, dim, model.weights.length, userIds.length, itemIds.length, ctxWidth]) o = head.writeUInt32LE(v, o);
  o = head.writeDoubleLE(model.scaler.count, o);
  for (let j = 0; j < ctxWidth; j++) o = head.writeDoubleLE(model.scaler.mean[j]!, o);
  for (let j = 0; j < ctxWidth; j++) o = head.writeDoubleLE(model.scaler.m2[j]!, o);
  for (let k = 0; k < model.weights.length; k++) o = bpv === 4 ? head.writeFloatLE(model.weights[k]!, o) : head.writeDoubleLE(model.weights[k]!, o);
  yield head;
  for (const [ids, ixs, emb] of [
    [userIds, userIxs, model.userEmbeddings],
    [itemIds, itemIxs, model.itemEmbeddings],
  ] as const) {
    for (let at = 0; at < ids.length; at += CHUNK_VALUES) {
      const part = ids.subarray(at, Math.min(ids.length, at + CHUNK_VALUES));
      const b = Buffer.alloc(part.length * 4);
      for (let k = 0; k < part.length; k++) b.writeInt32LE(part[k]!, k * 4);
      yield b;
    }
    const rowsPerChunk = Math.max(1, Math.floor(CHUNK_VALUES / Math.max(1, dim)));
    for (let at = 0; at < ixs.length; at += rowsPerChunk) {
      const end = Math.min(ixs.length, at + rowsPerChunk);
      if (LITTLE_ENDIAN) {
        // Rows gathered in id order by typed-array copies, then their bytes (this host is little-endian, as the file).
        const rows = bpv === 4 ? new Float32Array((end - at) * dim) : new Float64Array((end - at) * dim);
        for (let k = at; k < end; k++) rows.set(emb.subarray(ixs[k]! * dim, ixs[k]! * dim + dim), (k - at) * dim);
        yield new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
      } else {
        const b = Buffer.alloc((end - at) * dim * bpv);
        let p = 0;
        for (let k = at; k < end; k++) {
          const base = ixs[k]! * dim;
          for (let j = 0; j < dim; j++) p = bpv === 4 ? b.writeFloatLE(emb[base + j]!, p) : b.writeDoubleLE(emb[base + j]!, p);
        }
        yield b;
      }
    }
  }
}

/** Serialises a model's parameters (format version 2) into one buffer (parameterChunks concatenated). */
export function encodeParameters(model: Model): Buffer {
  return Buffer.concat([...parameterChunks(model)]);
}

/** Builds the manifest of a model. */
export function modelManifest(model: Model, extras: ModelManifestExtras, parameters: FileDigest): ModelManifest {
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    kind: model.options.kind,
    options: { ...model.options },
    dataFingerprint: extras.dataFingerprint,
    parent: extras.parent ?? null,
    snapshot: extras.snapshot ?? null,
    epochs: model.history.length,
    losses: model.history.map((h) => ({ ...h })),
    metrics: extras.metrics ?? null,
    parameters: {
      file: PARAMETERS_FILE,
      bytes: parameters.bytes,
      sha256: parameters.sha256,
      precision: model.options.precision,
      weights: model.weights.length,
      users: model.users.size,
      items: model.items.size,
    },
    scaler: { count: model.scaler.count },
  };
}

/** Writes a model directory: parameters.bin, then manifest.json (each by the one durable atomic write). */
export async function saveModel(dir: string, model: Model, extras: ModelManifestExtras): Promise<ModelManifest> {
  // The manifest is checked against its schema before anything is written (its checksum comes from the write).
  const validate = validatorFor<ModelManifest>(SCHEMA_FILE);
  if (!validate(modelManifest(model, extras, { bytes: 0, sha256: '0'.repeat(64) }))) {
    throw new DyadflowError('DF_ERR_INVARIANT', `model manifest does not match its schema: ${JSON.stringify(validate.errors?.[0])}`);
  }
  await mkdir(dir, { recursive: true });
  // Streamed a chunk at a time; the atomic write hashes as it writes, and that checksum goes into the manifest.
  const file = await createAtomicFile(join(dir, PARAMETERS_FILE));
  let digest: FileDigest;
  try {
    for (const chunk of parameterChunks(model)) await file.write(chunk);
    digest = await file.commit();
  } catch (err) {
    await file.abort();
    throw err;
  }
  const manifest = modelManifest(model, extras, digest);
  await writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function corrupt(dir: string, why: string): DyadflowError {
  return new DyadflowError('DF_ERR_MODEL_CORRUPT', `model ${dir}: ${why}`);
}

/** Decodes parameters.bin into a model with the manifest's options and history. */
export function decodeParameters(buf: Buffer, manifest: ModelManifest, dir = '<buffer>'): Model {
  const o0 = manifest.options;
  if (buf.length < 8 + 7 * 4 + 8 || buf.toString('latin1', 0, 8) !== MAGIC) throw corrupt(dir, `${PARAMETERS_FILE} is not a dyadflow parameter file`);
  let o = 8;
  const u32 = (): number => {
    const v = buf.readUInt32LE(o);
    o += 4;
    return v;
  };
  const version = u32();
  if (version !== MODEL_FORMAT_VERSION) throw unknownVersion(dir, `${PARAMETERS_FILE} `, version);
  const bpv = u32();
  const dim = u32();
  const weightCount = u32();
  const users = u32();
  const items = u32();
  const ctxWidth = u32();
  const expectBpv = o0.precision === 'float32' ? 4 : 8;
  const layout = weightLayout(o0.kind, o0.dim);
  if (bpv !== expectBpv || dim !== o0.dim || ctxWidth !== BASE_WIDTH || weightCount !== layout.length) {
    throw corrupt(dir, `${PARAMETERS_FILE} header does not match manifest.json`);
  }
  if (users !== manifest.parameters.users || items !== manifest.parameters.items) throw corrupt(dir, 'user or item counts differ from manifest.json');
  const expected = 8 + 7 * 4 + 8 + 2 * 8 * ctxWidth + bpv * weightCount + (4 + bpv * dim) * (users + items);
  if (buf.length !== expected) throw corrupt(dir, `${PARAMETERS_FILE} is ${buf.length} bytes, expected ${expected}`);
  const f64 = (): number => {
    const v = buf.readDoubleLE(o);
    o += 8;
    return v;
  };
  const value = bpv === 4 ? (): number => {
    const v = buf.readFloatLE(o);
    o += 4;
    return v;
  } : f64;
  const model = createModel(o0);
  model.scaler.count = f64();
  for (let j = 0; j < ctxWidth; j++) model.scaler.mean[j] = f64();
  for (let j = 0; j < ctxWidth; j++) model.scaler.m2[j] = f64();
  for (let k = 0; k < weightCount; k++) model.weights[k] = value();
  // Weights that stay exactly 0 in training (layout.ts: the click head's intercept, U block and stack slot); a
  // file that says otherwise was not written here.
  for (const [from, to] of layout.zeros) {
    for (let k = from; k < to; k++) if (model.weights[k] !== 0) throw corrupt(dir, `weight ${k} of a ${o0.kind} model is structurally zero but is ${model.weights[k]}`);
  }
  const readRows = (count: number): [IdIndex, Params] => {
    const ids = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      ids[k] = buf.readInt32LE(o);
      o += 4;
      if (k > 0 && ids[k]! <= ids[k - 1]!) throw corrupt(dir, 'ids are not strictly ascending');
    }
    const emb = allocParams(o0.precision, Math.max(count, 1) * dim);
    for (let k = 0; k < count * dim; k++) emb[k] = value();
    return [IdIndex.fromIds(ids), emb];
  };
  const [userIndex, userEmb] = readRows(users);
  const [itemIndex, itemEmb] = readRows(items);
  if (!hasEmbeddings(o0.kind) && users + items > 0) throw corrupt(dir, `a ${o0.kind} model has no embeddings`);
  model.users = userIndex;
  model.items = itemIndex;
  model.userEmbeddings = hasEmbeddings(o0.kind) ? userEmb : model.userEmbeddings;
  model.itemEmbeddings = hasEmbeddings(o0.kind) ? itemEmb : model.itemEmbeddings;
  model.history = manifest.losses.map((h) => ({ ...h }));
  return model;
}

/**
 * Reads a model directory. Refuses a format version it does not know, a manifest that does not match its
 * schema, and parameters whose checksum or shape differ from the manifest, each with a one-line reason.
 */
export async function loadModel(dir: string): Promise<{ model: Model; manifest: ModelManifest }> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (cause) {
    throw new InputError('DF_ERR_MODEL_MISSING', `model ${dir}: cannot read ${MANIFEST_FILE} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new DyadflowError('DF_ERR_MODEL_CORRUPT', `model ${dir}: ${MANIFEST_FILE} is not valid JSON`, { cause });
  }
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (version !== MODEL_FORMAT_VERSION) throw unknownVersion(dir, '', version);
  const validate = validatorFor<ModelManifest>(SCHEMA_FILE);
  if (!validate(raw)) {
    const e = validate.errors?.[0];
    throw corrupt(dir, `${MANIFEST_FILE} ${e ? `${e.instancePath || 'root'} ${e.message ?? 'is invalid'}` : 'is invalid'}`);
  }
  const manifest = raw;
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, manifest.parameters.file));
  } catch (cause) {
    throw new InputError('DF_ERR_MODEL_MISSING', `model ${dir}: cannot read ${manifest.parameters.file}`, { cause });
  }
  const sha = createHash('sha256').update(buf).digest('hex');
  if (sha !== manifest.parameters.sha256) throw corrupt(dir, `${manifest.parameters.file} checksum differs from manifest.json`);
  return { model: decodeParameters(buf, manifest, dir), manifest };
}
