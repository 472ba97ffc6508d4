import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEpisodeQuery } from '../../policies/episode-query.ts';
import { dataDirLayout } from '../../recordings/data-dir.ts';
import { simPandaFoxgloveModel } from '../../recordings/foxglove-robot-model.ts';
import type { RobotModelLookup } from '../../recordings/foxglove-export.ts';
import { loadConfig } from '../config/load-config.ts';
import { EXPORTERS, EXPORT_FORMATS, type ExportFormat } from '../../recordings/exporter.ts';
import { exportEpisodes } from '../export/export-episodes.ts';
import { openEpisodeJournals } from '../../recordings/open-episode-journals.ts';
import { configuredObjectStore } from './configured-object-store.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';
import { ProgressBar } from './progress-bar.ts';

/** `takeover export`: recorded episodes for other tools: robomimic HDF5 (Sirius labels), a LeRobot v3 dataset, or the MCAP journals for Foxglove. */
export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export recorded episodes: robomimic HDF5 with Sirius labels, LeRobot v3 dataset, or MCAP journals for Foxglove',
  usage:
    'takeover export --episodes QUERY --out FILE.hdf5|DIR [--format robomimic|lerobot|mcap-foxglove] [--include-rewound] [--include-recovery] [--include-gapped] [--control-hz N] [--data-dir DIR] [--json]\n' +
    '  QUERY: key=value filters of the catalog, as for train, e.g. task=place,outcome=success (or all)\n' +
    '  robomimic writes FILE.hdf5; lerobot writes a dataset into DIR (new or empty); mcap-foxglove writes the journals with Foxglove topics into DIR',
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
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${EXPORT_FORMATS.join(', ')}; got '${format}'`);
    const exporter = EXPORTERS[format as ExportFormat];
    const out = values.out as string | undefined;
    if (!out) throw new UsageError(`--out ${exporter.target === 'file' ? 'FILE.hdf5' : 'DIR'} is required`);
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

    // journals uploaded and gone from this disk come back from the configured object store (docs/deployment.md)
    const opened = await openEpisodeJournals(flags.dataDir, configuredObjectStore(flags.config, 'export'));
    const { journals } = opened;
    try {
      let bar: ProgressBar | null = null;
      const robotModels = format === 'mcap-foxglove' ? simRobotModels(flags.config) : undefined;
      let exported;
      try {
        exported = await exportEpisodes(
          flags.dataDir,
          { format: format as ExportFormat, query, includeGapped: values['include-gapped'] === true, includeRewound: values['include-rewound'] === true, includeRecovery: values['include-recovery'] === true, controlHz: hz, ...(robotModels && { robotModels }) },
          resolve(out),
          {
            journals,
            onEpisode: (done, total) => {
              bar ??= new ProgressBar('reading episodes', total, { enabled: Boolean(process.stderr.isTTY) && !flags.json });
              bar.update(done);
            },
          },
        );
      } catch (err) {
        process.stderr.write(`takeover export: ${(err as Error).message}\n`);
        return 1;
      } finally {
        (bar as ProgressBar | null)?.finish();
      }
      const { result, damaged, gapped, unavailable } = exported;
      // damage stays local: each damaged journal is quarantined and named, the others are exported
      for (const d of damaged) process.stderr.write(`takeover export: skipped damaged ${d.id}: ${d.error}${d.movedTo ? ` (moved to ${d.movedTo})` : ''}${d.catalogError ? ` (${d.catalogError})` : ''}\n`);
      for (const u of unavailable) process.stderr.write(`takeover export: skipped ${u.id}: ${u.error}\n`);
      if (gapped.length) process.stderr.write(`takeover export: left out ${gapped.length} episode(s) recovered with gaps (--include-gapped exports them): ${gapped.join(', ')}\n`);
      if (!result) {
        process.stderr.write(`takeover export: no finished episode matches '${String(values.episodes)}'${damaged.length ? ` that reads (${damaged.length} damaged)` : ''}\n`);
        return 1;
      }
      const target = resolve(out);
      if (flags.json) printJson({ format, episodes: exported.episodes, ...(format === 'robomimic' ? { file: target } : { dir: target }), ...result.details, skipped: result.skipped, damaged, gapped, unavailable });
      else {
        process.stdout.write(result.line + '\n');
        for (const s of result.skipped) process.stdout.write(`skipped ${s.id}: ${s.reason}\n`);
      }
      return 0;
    } finally {
      opened.close();
    }
  },
};

/**
 * Foxglove links for the simulated robots: robot id `sim` (expert demos) and the configured
 * robots of kind 'sim'. A configuration that does not load leaves only `sim` (said on stderr).
 */
function simRobotModels(config: string | undefined): RobotModelLookup {
  const sim = new Set(['sim']);
  try {
    for (const r of loadConfig({ config }).robots) if (r.kind === 'sim') sim.add(r.id);
  } catch (err) {
    process.stderr.write(`takeover export: configuration not read (${(err as Error).message}); only robot 'sim' gets its links drawn\n`);
  }
  return async (robotId) => (sim.has(robotId) ? simPandaFoxgloveModel() : null);
}
