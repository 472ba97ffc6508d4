import { parseCommandArgs, UsageError, type CliCommand } from './cli-command.ts';
import { commands } from './commands.ts';

function printHelp(): void {
  const lines = ['usage: takeover <command> [flags]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(12)} ${c.summary}`);
  lines.push('', 'common flags: --config FILE  --data-dir DIR (default ./data)  --port N  --host H  --seed N  --database postgres://...  --json');
  process.stdout.write(lines.join('\n') + '\n');
}

/** Entry point of the `takeover` command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    printHelp();
    return name ? 0 : 2;
  }
  const cmd: CliCommand | undefined = commands.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(`takeover: unknown command '${name}'\n`);
    printHelp();
    return 2;
  }
  try {
    const { flags, values, positionals, help } = parseCommandArgs(cmd, rest);
    if (help) {
      process.stdout.write(`usage: ${cmd.usage}\n`);
      return 0;
    }
    return await cmd.run(flags, values, positionals);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`takeover ${name}: ${(err as Error).message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    process.stderr.write(`takeover ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
