import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEpisodeQuery } from '../../policies/episode-query.ts';
import { loadEpisodeSet } from '../../policies/episode-loader.ts';
import { dataDirLayout } from '../../recordings/data-dir.ts';
import { exportRobomimic } from '../../recordings/robomimic-export.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';
import { ProgressBar } from './progress-bar.ts';

/** `takeover export`: recorded episodes as a robomimic HDF5 dataset with Sirius's labels. */
export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export recorded episodes for Python training stacks (robomimic HDF5 with Sirius labels)',
  usage:
    'takeover export --episodes QUERY --out FILE.hdf5 [--format robomimic] [--include-rewound] [--include-recovery] [--include-gapped] [--control-hz N] [--data-dir DIR] [--json]\n' +
    '  QUERY: key=value filters of the catalog, e.g. task=place,outcome=success (or all)',
  options: {
    episodes: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    'include-rewound': { type: 'boolean' },
    'include-recovery': { type: 'boolean' },
    'include-gapped': { type: 'boolean' },
    'control-hz': { type: 'string' },
  },
  async run(flags, values) {
    const format = (values.format as string | undefined) ?? 'robomimic';
    if (format !== 'robomimic') throw new UsageError(`--format must be robomimic, got '${format}'`);
    const out = values.out as string | undefined;
    if (!out) throw new UsageError('--out FILE.hdf5 is required');
    if (values.episodes === undefined) throw new UsageError('--episodes QUERY is required (for example task=place, or all)');
    let query;
    try {
      query = parseEpisodeQuery(String(values.episodes));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const hz = intFlag(values, 'control-hz', 20)!;
    if (hz < 1 || hz > 1000) throw new UsageError('--control-hz must be in 1..1000');
    if (!existsSync(dataDirLayout(flags.dataDir).catalog)) throw new UsageError(`no recordings catalog in ${flags.dataDir} (set --data-dir)`);

    let bar: ProgressBar | null = null;
    const set = await loadEpisodeSet(flags.dataDir, query, {
      includeGapped: values['include-gapped'] === true,
      onEpisode: (done, total) => {
        bar ??= new ProgressBar('reading episodes', total, { enabled: Boolean(process.stderr.isTTY) && !flags.json });
        bar.update(done);
      },
    });
    (bar as ProgressBar | null)?.finish();
    const { episodes: loaded, damaged, gapped } = set;
    // damage stays local: each damaged journal is quarantined and named, the others are exported
    for (const d of damaged) process.stderr.write(`takeover export: skipped damaged ${d.id}: ${d.error}${d.movedTo ? ` (moved to ${d.movedTo})` : ''}${d.catalogError ? ` (${d.catalogError})` : ''}\n`);
    if (gapped.length) process.stderr.write(`takeover export: left out ${gapped.length} episode(s) recovered with gaps (--include-gapped exports them): ${gapped.join(', ')}\n`);
    if (loaded.length === 0) {
      process.stderr.write(`takeover export: no finished episode matches '${String(values.episodes)}'${damaged.length ? ` that reads (${damaged.length} damaged)` : ''}\n`);
      return 1;
    }
    loaded.sort((a, b) => a.row.startedAt - b.row.startedAt || a.id.localeCompare(b.id));
    const file = resolve(out);
    let summary;
    try {
      summary = await exportRobomimic(
        loaded.map((e) => ({ id: e.id, kind: e.kind, task: e.row.task, outcome: e.row.outcome, steps: e.steps, events: e.events, tags: e.row.tags })),
        file,
        { includeRewound: values['include-rewound'] === true, includeRecovery: values['include-recovery'] === true, controlHz: hz },
      );
    } catch (err) {
      process.stderr.write(`takeover export: ${(err as Error).message}\n`);
      return 1;
    }
    if (flags.json) printJson({ format, episodes: loaded.length, ...summary, damaged, gapped });
    else {
      const classes = Object.entries(summary.classes).map(([k, v]) => `${k} ${v}`).join(', ');
      process.stdout.write(`wrote ${summary.demos} demos, ${summary.samples} samples (${classes}) to ${file}\n`);
      for (const s of summary.skipped) process.stdout.write(`skipped ${s.id}: ${s.reason}\n`);
    }
    return 0;
  },
};
