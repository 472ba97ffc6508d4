import type { CliCommand } from './cli-command.ts';
import { simCommand } from './sim-command.ts';
import { serveCommand } from './serve-command.ts';
import { trainCommand } from './train-command.ts';
import { evalCommand } from './eval-command.ts';
import { calibrateCommand } from './calibrate-command.ts';
import { recordingsCommand } from './recordings-command.ts';
import { loopCommand } from './loop-command.ts';
import { fleetCommand } from './fleet-command.ts';
import { demosCommand } from './demos-command.ts';
import { operateCommand } from './operate-command.ts';
import { exportCommand } from './export-command.ts';
import { tokensCommand } from './tokens-command.ts';
import { workerCommand } from './worker-command.ts';

/** Every `takeover` subcommand; each lives in its own module (one line to add one here). */
export const commands: CliCommand[] = [
  serveCommand,
  simCommand,
  trainCommand,
  evalCommand,
  calibrateCommand,
  recordingsCommand,
  loopCommand,
  fleetCommand,
  demosCommand,
  operateCommand,
  exportCommand,
  tokensCommand,
  workerCommand,
];
