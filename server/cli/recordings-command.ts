import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataDirLayout } from '../../recordings/data-dir.ts';
import { deleteEpisode, EpisodeOpError } from '../../recordings/episode-delete.ts';
import { readJournalFile } from '../../recordings/episode-reader.ts';
import { segmentsOf } from '../../recordings/episode-segments.ts';
import { recoverDataDir } from '../../recordings/recovery.ts';
import { verifyDataDir } from '../../recordings/journal-verify.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import { labelSteps } from '../../recordings/step-labels.ts';
import type { EpisodeQuery, EpisodeRow } from '../../recordings/catalog.ts';
import { intFlag, UsageError, type CliCommand, type CommonFlags } from './cli-command.ts';
import { printJson } from './json-output.ts';

const USAGE = [
  'takeover recordings list [--robot ID] [--task T] [--policy V] [--outcome O] [--kind policy|demo] [--status S] [--tag X]',
  '                          [--since ISO] [--until ISO] [--interventions yes|no] [--limit N] [--offset N] [--json]',
  '       takeover recordings show <episode-id> [--json]',
  '       takeover recordings rm <episode-id>... [--json]',
  '       takeover recordings recover [--json]',
  '       takeover recordings verify [--json]    (checks CRCs and structure of every journal; exit 1 if one is damaged)',
].join('\n');

const out = (s: string) => process.stdout.write(s + '\n');

function time(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function parseTime(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const ms = Date.parse(String(raw));
  if (Number.isNaN(ms)) throw new UsageError(`--${name} takes a date or time (ISO 8601), got '${String(raw)}'`);
  return ms;
}

function queryFrom(values: Record<string, unknown>): EpisodeQuery {
  const pick = (name: string) => values[name] as string | undefined;
  const interventions = pick('interventions');
  if (interventions !== undefined && interventions !== 'yes' && interventions !== 'no') throw new UsageError(`--interventions takes yes or no, got '${interventions}'`);
  const outcome = pick('outcome');
  if (outcome !== undefined && !['success', 'failure', 'timeout', 'aborted', 'unknown'].includes(outcome)) throw new UsageError(`--outcome must be success, failure, timeout, aborted or unknown`);
  const kind = pick('kind');
  if (kind !== undefined && kind !== 'policy' && kind !== 'demo') throw new UsageError('--kind must be policy or demo');
  const status = pick('status');
  if (status !== undefined && !['recording', 'complete', 'recovered', 'quarantined'].includes(status)) throw new UsageError('--status must be recording, complete, recovered or quarantined');
  const limit = intFlag(values, 'limit', 50)!;
  if (limit < 1 || limit > 1000) throw new UsageError('--limit must be in 1..1000');
  const offset = intFlag(values, 'offset', 0)!;
  if (offset < 0) throw new UsageError('--offset must be >= 0');
  const q: EpisodeQuery = { limit, offset };
  if (pick('robot') !== undefined) q.robotId = pick('robot');
  if (pick('task') !== undefined) q.task = pick('task');
  if (pick('policy') !== undefined) q.policyVersion = pick('policy');
  if (outcome) q.outcome = outcome as EpisodeQuery['outcome'];
  if (kind) q.kind = kind as EpisodeQuery['kind'];
  if (status) q.status = status as EpisodeQuery['status'];
  if (pick('tag') !== undefined) q.tag = pick('tag');
  const from = parseTime(values, 'since');
  const to = parseTime(values, 'until');
  if (from !== undefined) q.from = from;
  if (to !== undefined) q.to = to;
  if (interventions) q.hasInterventions = interventions === 'yes';
  return q;
}

function printTable(rows: EpisodeRow[]): void {
  const head = ['id', 'robot', 'task', 'policy', 'kind', 'status', 'outcome', 'steps', 'interv', 'started'];
  const cells = rows.map((r) => [r.id, r.robotId, r.task, r.policyVersion ?? '-', r.kind, r.status, r.outcome ?? '-', String(r.steps), String(r.interventionCount), time(r.startedAt)]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  for (const line of [head, ...cells]) out(line.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
}

async function withCatalog<T>(flags: CommonFlags, fn: (c: SqliteCatalog) => Promise<T>): Promise<T> {
  if (!existsSync(flags.dataDir)) throw new UsageError(`no data directory at ${flags.dataDir} (set --data-dir or TAKEOVER_DATA_DIR)`);
  // A one-shot command may wait for a lock the server holds for a moment (the server itself never waits).
  const catalog = new SqliteCatalog(dataDirLayout(flags.dataDir).catalog, { busyTimeoutMs: 5000 });
  try {
    return await fn(catalog);
  } finally {
    await catalog.close();
  }
}

async function show(flags: CommonFlags, c: SqliteCatalog, id: string): Promise<number> {
  const row = await c.get(id);
  if (!row) {
    process.stderr.write(`takeover recordings: episode '${id}' not found\n`);
    return 1;
  }
  let segments = null;
  let problem: string | null = null;
  if (row.status === 'complete' || row.status === 'recovered') {
    try {
      const j = await readJournalFile(join(flags.dataDir, row.file));
      segments = segmentsOf(j.steps, labelSteps(j.steps, j.events, j.meta.kind).map((l) => l.cls));
    } catch (err) {
      problem = (err as Error).message;
    }
  } else problem = `journal not readable while ${row.status}`;
  if (flags.json) {
    printJson({ episode: row, segments, segmentsUnavailable: problem });
    return 0;
  }
  for (const [k, v] of Object.entries(row)) out(`${k.padEnd(18)} ${Array.isArray(v) ? v.join(', ') : k.endsWith('At') ? time(v as number | null) : String(v ?? '-')}`);
  out('segments');
  if (segments) for (const s of segments) out(`  ${s.kind.padEnd(9)} steps ${s.fromStep}..${s.toStep} (${s.steps})`);
  else out(`  (${problem})`);
  return 0;
}

/** `takeover recordings`: list, show, delete and recover recorded episodes in the data directory. */
export const recordingsCommand: CliCommand = {
  name: 'recordings',
  summary: 'list, show, delete, recover and verify recorded episodes',
  usage: USAGE,
  options: {
    robot: { type: 'string' },
    task: { type: 'string' },
    policy: { type: 'string' },
    outcome: { type: 'string' },
    kind: { type: 'string' },
    status: { type: 'string' },
    tag: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    interventions: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  },
  async run(flags, values, positionals) {
    const [sub, ...ids] = positionals;
    switch (sub) {
      case 'list': {
        const q = queryFrom(values);
        if (!existsSync(flags.dataDir)) {
          if (flags.json) printJson({ items: [], total: 0, limit: q.limit, offset: q.offset });
          else out(`no recordings (no data directory at ${flags.dataDir})`);
          return 0;
        }
        return withCatalog(flags, async (c) => {
          const { items, total } = await c.list(q);
          if (flags.json) printJson({ items, total, limit: q.limit, offset: q.offset });
          else {
            printTable(items);
            out(`${items.length} of ${total} episode(s)${total > items.length ? ` (use --offset ${q.offset! + items.length} for more)` : ''}`);
          }
          return 0;
        });
      }
      case 'show':
        if (ids.length !== 1) throw new UsageError('show takes one episode id');
        return withCatalog(flags, (c) => show(flags, c, ids[0]));
      case 'rm':
        if (ids.length === 0) throw new UsageError('rm takes one or more episode ids');
        return withCatalog(flags, async (c) => {
          const results: { id: string; deleted: boolean; error?: string }[] = [];
          for (const id of ids) {
            try {
              await deleteEpisode(flags.dataDir, c, id);
              results.push({ id, deleted: true });
            } catch (err) {
              if (!(err instanceof EpisodeOpError)) throw err;
              results.push({ id, deleted: false, error: err.message });
            }
          }
          if (flags.json) printJson({ results });
          else for (const r of results) out(r.deleted ? `deleted ${r.id}` : `not deleted: ${r.error}`);
          return results.every((r) => r.deleted) ? 0 : 1;
        });
      case 'recover':
        return withCatalog(flags, async (c) => {
          let report;
          try {
            report = await recoverDataDir(flags.dataDir, c);
          } catch (err) {
            process.stderr.write(`takeover recordings recover: ${(err as Error).message}\n`);
            return 1;
          }
          if (flags.json) printJson(report);
          else {
            out(`checked ${report.checked} journal(s)`);
            for (const r of report.recovered) out(`recovered ${r.episodeId}: ${r.steps} steps kept, ${r.discardedBytes} bytes of an unfinished chunk cut${r.originalKeptAt ? ` (original kept at ${r.originalKeptAt})` : ''}`);
            for (const id of report.indexed) out(`indexed ${id} (finished journal missing from the catalog)`);
            for (const q of report.quarantined) out(`quarantined ${q.file}: ${q.reason}${q.movedTo ? ` -> ${q.movedTo}` : ''}`);
            for (const e of report.errors) out(`error ${e.file}: ${e.error}`);
          }
          return report.errors.length ? 1 : 0;
        });
      case 'verify':
        return withCatalog(flags, async (c) => {
          const checks = await verifyDataDir(flags.dataDir, c);
          const damaged = checks.filter((x) => x.status === 'damaged');
          if (flags.json) printJson({ checked: checks.length, damaged: damaged.length, files: checks });
          else {
            for (const x of checks) if (x.status !== 'ok') out(`${x.status} ${x.file}${x.problems.length ? `: ${x.problems.join('; ')}` : ' (recovered past damage; left out of training by default)'}`);
            out(`checked ${checks.length} journal(s): ${checks.length - damaged.length} intact, ${damaged.length} damaged${damaged.length ? ' (unfinished ones: takeover recordings recover)' : ''}`);
          }
          return damaged.length ? 1 : 0;
        });
      default:
        throw new UsageError(sub ? `unknown subcommand '${sub}'` : 'missing subcommand (list, show, rm, recover, verify)');
    }
  },
};
