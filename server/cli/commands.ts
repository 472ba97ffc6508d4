import type { CliCommand } from './cli-command.ts';
import { simCommand } from './sim-command.ts';

/** Every `takeover` subcommand; each lives in its own module (one line to add one here). */
export const commands: CliCommand[] = [
  simCommand,
];
