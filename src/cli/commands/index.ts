// The subcommands of `dyadflow`. Each imports its type from ../command.js, never this module.
import type { CommandModule } from '../command.js';
import { featuresCommand } from './features.js';
import { generateCommand } from './generate.js';
import { statsCommand } from './stats.js';
import { produceCommand } from './produce.js';
import { reproduceCommand } from './reproduce.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';

export type { CommandModule } from '../command.js';

/** Every subcommand of `dyadflow`, in help order. */
export const COMMANDS: CommandModule[] = [
  generateCommand,
  statsCommand,
  featuresCommand,
  produceCommand,
  reproduceCommand,
  runCommand,
  statusCommand,
];
