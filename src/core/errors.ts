/**
 * Errors carry a stable code and whether retrying could help (kafkajs `retriable`, fastify `FST_ERR_*`).
 * Core throws only `InvariantError`: a broken invariant, i.e. a bug.
 */
export class DyadflowError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DyadflowError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A broken internal invariant: never expected, never retriable. */
export class InvariantError extends DyadflowError {
  constructor(message: string) {
    super('DF_ERR_INVARIANT', message);
    this.name = 'InvariantError';
  }
}

/** Throws an InvariantError when `condition` is false. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

/**
 * A required input is missing, unreadable or has the wrong shape (a missing interactions file, a wrong
 * header). The CLI reports it as one line and exits with code 2; retrying does not help.
 */
export class InputError extends DyadflowError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retriable: false, cause: options.cause });
    this.name = 'InputError';
  }
}
