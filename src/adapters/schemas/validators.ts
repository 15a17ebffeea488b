// The one compiled validator per schema in schemas/ (ajv 8). Compiled once at first use: per-event
// validation is a hot path, so it must not be interpreted.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction, type ErrorObject } from 'ajv';
import type { ImpressionRecord, InteractionRecord } from '../../core/events/records.js';
import { isValidIsoWeek } from '../../core/time/iso-week.js';

/** The project's schemas/ folder, found from this module whether it runs from src/ or dist/. */
export function schemasDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return join(dir, 'schemas');
    dir = dirname(dir);
  }
  throw new Error('schemas/ folder not found above ' + fileURLToPath(import.meta.url));
}

/** Reads one JSON schema of schemas/ by file name. */
export function readSchema(fileName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemasDir(), fileName), 'utf8')) as Record<string, unknown>;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** The compiled validator of a schema file (compiled once per process). */
export function validatorFor<T>(fileName: string): ValidateFunction<T> {
  let v = compiled.get(fileName);
  if (!v) {
    ajv ??= new Ajv({ allErrors: false, strict: true });
    v = ajv.compile(readSchema(fileName));
    compiled.set(fileName, v);
  }
  return v as ValidateFunction<T>;
}

/** Outcome of validating one record: the typed record, or a one-line reason. */
export type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid record';
  const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'record';
  if (e.keyword === 'required') return `missing field ${String((e.params as { missingProperty: string }).missingProperty)}`;
  if (e.keyword === 'additionalProperties')
    return `unknown field ${String((e.params as { additionalProperty: string }).additionalProperty)}`;
  if (e.keyword === 'enum' && where === 'interaction_type') return 'unknown interaction_type';
  return `${where} ${e.message ?? 'is invalid'}`;
}

/** Validates an interaction record against schemas/interaction.schema.json. */
export function validateInteraction(value: unknown): Validated<InteractionRecord> {
  const v = validatorFor<InteractionRecord>('interaction.schema.json');
  return v(value) ? { ok: true, value } : { ok: false, reason: describe(v.errors) };
}

/** Validates an impression record against schemas/impression.schema.json (plus: the ISO week must exist). */
export function validateImpression(value: unknown): Validated<ImpressionRecord> {
  const v = validatorFor<ImpressionRecord>('impression.schema.json');
  if (!v(value)) return { ok: false, reason: describe(v.errors) };
  if (!isValidIsoWeek(value.year, value.week)) return { ok: false, reason: `week ${value.week} does not exist in ISO year ${value.year}` };
  return { ok: true, value };
}
