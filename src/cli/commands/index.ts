import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { featuresCommand } from './features.js';
import { generateCommand } from './generate.js';
import { statsCommand } from './stats.js';
import { produceCommand } from './produce.js';
import { reproduceCommand } from './reproduce.js';

/** A subcommand: adds itself to the program; its action resolves to an exit code via `setExit`. */
export type CommandModule = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

/** Every subcommand of `dyadflow`, in help order. */
export const COMMANDS: CommandModule[] = [
  generateCommand,
  statsCommand,
  featuresCommand,
  produceCommand,
  reproduceCommand,
];
