// The flags of method.md's feature options, shared by `features` and `reproduce` (one definition, one parser).
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { DEFAULT_SUBSAMPLE, type SubsampleOptions } from '../core/dataset/subsample.js';
import { DEFAULT_FEATURE_OPTIONS, type FeatureOptions } from '../core/features/build-feature-table.js';

/** The raw flag values of the feature and subsampling options. */
export interface FeatureFlags {
  k: string;
  similarity: string;
  neighbourhood: string;
  spread: string;
  leakage: string;
  leaveOneOut: boolean;
  split: string;
  seed: string;
  minItemUsers: string;
  minUserItems: string;
}

/** An InputError for a flag value (exit 2, one line). */
export function badOption(flag: string, value: string, expected: string): InputError {
  return new InputError('DF_ERR_INPUT_OPTION', `${flag} ${value}: expected ${expected}`);
}

/** Parses a non-negative integer flag in [min, max]. */
export function integerOption(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw badOption(flag, text, `an integer from ${min} to ${max}`);
  }
  return n;
}

/** Parses a flag that must be one of `choices`. */
export function choiceOption<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) throw badOption(flag, text, choices.join(' or '));
  return text as T;
}

/** Parses a positive finite number flag. */
export function positiveNumberOption(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw badOption(flag, text, 'a positive number');
  return n;
}

/** Parses a comma-separated list of positive numbers. */
export function numberListOption(flag: string, text: string): number[] {
  const parts = text.split(',');
  const out = parts.map((p) => positiveNumberOption(flag, p.trim()));
  if (out.length === 0) throw badOption(flag, text, 'a comma-separated list of positive numbers');
  return out;
}

/** Adds the flags of every feature and subsampling option of method.md to a command. */
export function addFeatureFlags(cmd: Command): Command {
  const d = DEFAULT_FEATURE_OPTIONS;
  return cmd
    .option('--k <n>', 'neighbourhood size K', String(d.k))
    .option('--similarity <s>', 'cosine on IM values (weighted) or on binarised rows (binary)', d.similarity)
    .option('--neighbourhood <n>', "neighbours among the item's users (item) or overall (global)", d.neighbourhood)
    .option('--spread <s>', 'spread statistic of win/tie/loss: std or var', d.spread)
    .option('--leakage <l>', 'none: features from training-period state; paper: from all data, as the authors', d.leakage)
    .option('--no-leave-one-out', "similarity with the dyad's own item included (the authors' setting)")
    .option('--split <s>', 'per-user chronological 2/3 train (time) or 30/70 by hash (random)', d.split)
    .option('--seed <n>', 'the one seed of every random draw (random split, sampling, embeddings)', String(d.seed))
    .option('--min-item-users <n>', 'keep items with at least N interacting users (0 keeps all)', String(DEFAULT_SUBSAMPLE.minItemUsers))
    .option('--min-user-items <n>', 'then users with at least N interacted items (0 keeps all)', String(DEFAULT_SUBSAMPLE.minUserItems));
}

/** Parses the feature and subsampling flags; a bad value is an InputError (exit 2). */
export function featureOptionsFrom(flags: FeatureFlags): { features: FeatureOptions; subsample: SubsampleOptions } {
  const int32Max = 2147483647;
  return {
    features: {
      k: integerOption('--k', flags.k, 1, 1_000_000),
      similarity: choiceOption('--similarity', flags.similarity, ['weighted', 'binary'] as const),
      neighbourhood: choiceOption('--neighbourhood', flags.neighbourhood, ['item', 'global'] as const),
      spread: choiceOption('--spread', flags.spread, ['std', 'var'] as const),
      leaveOneOut: flags.leaveOneOut,
      leakage: choiceOption('--leakage', flags.leakage, ['none', 'paper'] as const),
      split: choiceOption('--split', flags.split, ['time', 'random'] as const),
      seed: integerOption('--seed', flags.seed, 0, 4294967295),
    },
    subsample: {
      minItemUsers: integerOption('--min-item-users', flags.minItemUsers, 0, int32Max),
      minUserItems: integerOption('--min-user-items', flags.minUserItems, 0, int32Max),
    },
  };
}
