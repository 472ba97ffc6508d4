import { userInfo } from 'node:os';
import { loadConfig } from '../config/load-config.ts';
import { TokenConfigSchema } from '../config/config-schema.ts';
import type { Role } from '../control/arbiter.ts';
import { readTokenFile, secureDataDir, tokensFile, writeTokenFile } from '../auth/token-file.ts';
import { generateToken, tokenRecord } from '../auth/token-store.ts';
import { readTokenUsage, tokenUsageFile } from '../auth/token-usage.ts';
import { openCliAudit } from '../audit/cli-audit.ts';
import { auditRecord, type AuditRecord } from '../audit/audit-record.ts';
import { UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];
const NAME = new RegExp(TokenConfigSchema.properties.name.pattern!);

/** `takeover tokens add|list|revoke`: the tokens in `<dataDir>/tokens.json` (docs/security.md). */
export const tokensCommand: CliCommand = {
  name: 'tokens',
  summary: 'add, list or revoke access tokens (stored as digests; a new token is shown once)',
  usage: 'takeover tokens add --name N --role viewer|operator|admin | tokens list | tokens revoke NAME  [--data-dir DIR] [--config FILE] [--database URL] [--json]',
  options: { name: { type: 'string' }, role: { type: 'string' } },
  async run(flags, values, positionals) {
    const [sub, ...args] = positionals;
    const config = loadConfig({ config: flags.config, database: flags.database, dataDir: values['data-dir'] !== undefined || process.env.TAKEOVER_DATA_DIR ? flags.dataDir : undefined });
    const dataDir = config.dataDir;
    const file = tokensFile(dataDir);
    const say = (line: string) => process.stdout.write(line + '\n');
    // the server reads tokens.json only when the configuration names no tokens
    if (config.tokens.length > 0 && sub !== 'list') process.stderr.write(`takeover tokens: note: the configuration names ${config.tokens.length} token(s), so the server ignores ${file}\n`);
    // with a database, where the servers keep theirs (docs/deployment.md); else <dataDir>/audit.log
    const audited = async (r: AuditRecord) => {
      const log = await openCliAudit(config, (line) => process.stderr.write(`takeover tokens: ${line}\n`));
      try {
        log.store.record(r);
      } finally {
        await log.close();
      }
    };
    const actor = `cli:${userInfo().username}`;

    if (sub === 'add') {
      if (args.length > 0) throw new UsageError(`tokens add takes no positional arguments, got '${args[0]}'`);
      const name = values.name as string | undefined;
      const role = values.role as Role | undefined;
      if (!name || !NAME.test(name)) throw new UsageError(`--name must be 1-64 characters of A-Z a-z 0-9 _ . @ -, got '${name ?? ''}'`);
      if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got '${role ?? ''}'`);
      secureDataDir(dataDir);
      const { records } = readTokenFile(file);
      if (records.some((r) => r.name === name)) throw new UsageError(`a token named '${name}' exists already; revoke it first or pick another name`);
      const token = generateToken();
      const rec = tokenRecord(name, role, token);
      writeTokenFile(file, [...records, rec]);
      await audited(auditRecord('token_add', actor, { name, role }));
      if (flags.json) printJson({ name, role, created: rec.created, token });
      else {
        say(`created token '${name}' (${role}); it is shown only now, copy it:`);
        say(`  ${token}`);
      }
      return 0;
    }

    if (sub === 'list') {
      if (args.length > 0) throw new UsageError(`tokens list takes no positional arguments, got '${args[0]}'`);
      const { records } = readTokenFile(file);
      const used = readTokenUsage(tokenUsageFile(dataDir));
      const rows = records.map((r) => ({ name: r.name, role: r.role, created: r.created, lastUsed: used[r.name] ?? null }));
      if (flags.json) printJson({ file, tokens: rows });
      else if (rows.length === 0) say(`no tokens in ${file}`);
      else {
        const w = Math.max(4, ...rows.map((r) => r.name.length));
        say(`${'NAME'.padEnd(w)}  ROLE      CREATED                   LAST USED`);
        for (const r of rows) say(`${r.name.padEnd(w)}  ${r.role.padEnd(8)}  ${r.created.padEnd(24)}  ${r.lastUsed ?? 'never'}`);
      }
      return 0;
    }

    if (sub === 'revoke') {
      const name = args[0];
      if (!name || args.length > 1) throw new UsageError('tokens revoke takes exactly one token name');
      const { records } = readTokenFile(file);
      const kept = records.filter((r) => r.name !== name);
      if (kept.length === records.length) {
        process.stderr.write(`takeover tokens: no token named '${name}' in ${file}\n`);
        return 1;
      }
      writeTokenFile(file, kept);
      await audited(auditRecord('token_revoke', actor, { name }));
      if (flags.json) printJson({ revoked: name });
      else say(`revoked token '${name}' (a running server stops accepting it within a second)`);
      return 0;
    }

    throw new UsageError(sub ? `unknown tokens subcommand '${sub}' (add, list, revoke)` : 'tokens needs a subcommand: add, list or revoke');
  },
};
