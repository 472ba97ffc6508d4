import { SimulatedOperator } from '../../sim/simulated-operator.ts';
import { getTask } from '../../sim/tasks/task-registry.ts';
import { SimulatedOperatorClient } from '../clients/simulated-operator-client.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

/** `takeover operate`: the simulated operator supervising a robot of a live server over the WebSocket. */
export const operateCommand: CliCommand = {
  name: 'operate',
  summary: 'run the simulated operator against a live server over the WebSocket protocol',
  usage: 'takeover operate --token T [--url ws://127.0.0.1:8080/ws] [--robot arm0] [--task place] [--rewind on|off] [--episodes N] [--json]',
  options: { url: { type: 'string' }, token: { type: 'string' }, robot: { type: 'string' }, task: { type: 'string' }, rewind: { type: 'string' }, episodes: { type: 'string' } },
  async run(flags, values) {
    const token = (values.token as string | undefined) ?? process.env.TAKEOVER_TOKEN;
    if (!token) throw new UsageError('--token (or TAKEOVER_TOKEN) is required');
    const url = (values.url as string | undefined) ?? `ws://${flags.host ?? '127.0.0.1'}:${flags.port ?? 8080}/ws`;
    const robot = (values.robot as string | undefined) ?? 'arm0';
    let task;
    try {
      task = getTask((values.task as string | undefined) ?? 'place');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const rewind = String(values.rewind ?? 'on');
    if (rewind !== 'on' && rewind !== 'off') throw new UsageError(`--rewind takes on or off, got '${rewind}'`);
    const episodes = intFlag(values, 'episodes', 10)!;
    const client = new SimulatedOperatorClient(new SimulatedOperator(task.name, { rewind: rewind === 'on' }), robot);
    await client.connect(url, token);
    process.stderr.write(`supervising ${robot} at ${url} for ${episodes} episode(s)\n`);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (client.stats.episodes > episodes) {
          clearInterval(timer);
          resolve();
        }
      }, 200);
      process.once('SIGINT', () => {
        clearInterval(timer);
        resolve();
      });
    });
    client.close();
    const { errors, ...stats } = client.stats;
    if (flags.json) printJson({ ...stats, errors: errors.length, firstErrors: errors.slice(0, 5) });
    else process.stdout.write(`episodes seen ${stats.episodes}, interventions ${stats.interventions}, rewinds ${stats.rewinds}, operator steps ${stats.operatorSteps}, errors ${errors.length}\n`);
    return 0;
  },
};
