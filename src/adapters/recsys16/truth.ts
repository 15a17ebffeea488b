// truth.json of a synthetic dataset (issue 10): the generator's truth (src/core/synth/truth.ts) beside the
// four RecSys 2016 files, for the oracle row of `reproduce`. Feature code never reads it. One JSON document:
// format version, preset, seed, the generator's parameters, then column arrays keyed by external id.
// Float32 columns are printed with 9 significant digits, which read back to the same Float32 values;
// Float64 columns as JavaScript prints them (shortest round trip). Same preset and seed, same bytes.
import { readFile } from 'node:fs/promises';
import { InputError, InvariantError } from '../../core/errors.js';
import { SYNTH_TRUTH_FORMAT_VERSION, checkTruth, type SynthTruth } from '../../core/synth/truth.js';
import { writeFileAtomic } from '../fs/atomic-file.js';

/** File name of the truth inside a data folder. */
export const TRUTH_FILE = 'truth.json';

function float32s(a: Float32Array): number[] {
  return Array.from(a, (x) => Number(x.toPrecision(9)));
}

/** The truth as its JSON text (two-space indentation for the header, one line per column). */
export function serializeTruth(t: SynthTruth): string {
  const column = (name: string, values: ArrayLike<number> | number[]): string => `    ${JSON.stringify(name)}: ${JSON.stringify(Array.from(values))}`;
  const header = JSON.stringify(
    { formatVersion: t.formatVersion, kind: t.kind, preset: t.preset, seed: t.seed, latentDim: t.latentDim, parameters: t.parameters },
    null,
    2,
  );
  const users = [
    column('ids', t.users.ids),
    column('factors', float32s(t.users.factors)),
    column('careerLevel', t.users.careerLevel),
    column('industry', t.users.industry),
    column('region', t.users.region),
    column('clickBias', t.users.clickBias),
    column('bookmarkPropensity', t.users.bookmarkPropensity),
    column('replyPropensity', t.users.replyPropensity),
    column('meanClickedAffinity', t.users.meanClickedAffinity),
  ];
  const items = [
    column('ids', t.items.ids),
    column('factors', float32s(t.items.factors)),
    column('careerLevel', t.items.careerLevel),
    column('industry', t.items.industry),
    column('region', t.items.region),
    column('popularity', float32s(t.items.popularity)),
    column('live', t.items.live),
  ];
  return `${header.slice(0, -2)},\n  "users": {\n${users.join(',\n')}\n  },\n  "items": {\n${items.join(',\n')}\n  }\n}\n`;
}

/** Writes DIR/truth.json by one durable atomic write. */
export async function writeTruthFile(path: string, truth: SynthTruth): Promise<void> {
  await writeFileAtomic(path, serializeTruth(truth));
}

function numbers(where: string, doc: Record<string, unknown>, key: string): number[] {
  const v = doc[key];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InputError('DF_ERR_TRUTH_INVALID', `${where}: ${key} is not an array of numbers`);
  }
  return v as number[];
}

function object(where: string, doc: unknown, key: string): Record<string, unknown> {
  const v = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>)[key] : undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InputError('DF_ERR_TRUTH_INVALID', `${where}: ${key} is missing or not an object`);
  return v as Record<string, unknown>;
}

/** Parses and checks a truth document; an unknown format version is refused naming both versions. */
export function parseTruth(text: string, where: string = TRUTH_FILE): SynthTruth {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError('DF_ERR_TRUTH_INVALID', `${where}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const d = (doc ?? {}) as Record<string, unknown>;
  if (d.formatVersion !== SYNTH_TRUTH_FORMAT_VERSION) {
    throw new InputError(
      'DF_ERR_TRUTH_VERSION',
      `${where}: truth format version ${JSON.stringify(d.formatVersion) ?? 'missing'} is not supported (this dyadflow reads version ${SYNTH_TRUTH_FORMAT_VERSION})`,
    );
  }
  if (d.kind !== 'dyadflow.synthetic-truth' || typeof d.preset !== 'string' || !Number.isInteger(d.seed) || !Number.isInteger(d.latentDim)) {
    throw new InputError('DF_ERR_TRUTH_INVALID', `${where}: not a dyadflow synthetic truth (kind, preset, seed, latentDim)`);
  }
  const p = object(where, d, 'parameters');
  const a = object(where, p, 'affinity');
  const num = (o: Record<string, unknown>, k: string): number => {
    if (typeof o[k] !== 'number') throw new InputError('DF_ERR_TRUTH_INVALID', `${where}: parameter ${k} is not a number`);
    return o[k] as number;
  };
  const u = object(where, d, 'users');
  const i = object(where, d, 'items');
  const truth: SynthTruth = {
    formatVersion: SYNTH_TRUTH_FORMAT_VERSION,
    kind: 'dyadflow.synthetic-truth',
    preset: d.preset,
    seed: d.seed as number,
    latentDim: d.latentDim as number,
    parameters: {
      affinity: { dot: num(a, 'dot'), career: num(a, 'career'), industry: num(a, 'industry'), region: num(a, 'region'), popularity: num(a, 'popularity') },
      clickStrength: num(p, 'clickStrength'),
      extraStrength: num(p, 'extraStrength'),
      noiseClickFactor: num(p, 'noiseClickFactor'),
      bookmarkPerClick: num(p, 'bookmarkPerClick'),
      replyPerClick: num(p, 'replyPerClick'),
      bookmarkOnlyPerShown: num(p, 'bookmarkOnlyPerShown'),
      replyOnlyPerShown: num(p, 'replyOnlyPerShown'),
    },
    users: {
      ids: Int32Array.from(numbers(where, u, 'ids')),
      factors: Float32Array.from(numbers(where, u, 'factors')),
      careerLevel: Uint8Array.from(numbers(where, u, 'careerLevel')),
      industry: Uint8Array.from(numbers(where, u, 'industry')),
      region: Uint8Array.from(numbers(where, u, 'region')),
      clickBias: Float64Array.from(numbers(where, u, 'clickBias')),
      bookmarkPropensity: Float64Array.from(numbers(where, u, 'bookmarkPropensity')),
      replyPropensity: Float64Array.from(numbers(where, u, 'replyPropensity')),
      meanClickedAffinity: Float64Array.from(numbers(where, u, 'meanClickedAffinity')),
    },
    items: {
      ids: Int32Array.from(numbers(where, i, 'ids')),
      factors: Float32Array.from(numbers(where, i, 'factors')),
      careerLevel: Uint8Array.from(numbers(where, i, 'careerLevel')),
      industry: Uint8Array.from(numbers(where, i, 'industry')),
      region: Uint8Array.from(numbers(where, i, 'region')),
      popularity: Float32Array.from(numbers(where, i, 'popularity')),
      live: Uint8Array.from(numbers(where, i, 'live')),
    },
  };
  try {
    checkTruth(truth);
  } catch (err) {
    if (err instanceof InvariantError) throw new InputError('DF_ERR_TRUTH_INVALID', `${where}: ${err.message}`);
    throw err;
  }
  return truth;
}

/** Reads DIR/truth.json; null when the file does not exist (a dataset that is not synthetic). */
export async function readTruthFile(path: string): Promise<SynthTruth | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError('DF_ERR_TRUTH_UNREADABLE', `${path}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseTruth(text, path);
}
