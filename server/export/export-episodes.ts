import { loadEpisodeSet, type DamagedEpisode } from '../../policies/episode-loader.ts';
import type { Catalog, EpisodeQuery } from '../../recordings/catalog.ts';
import type { EpisodeJournals } from '../../recordings/episode-journals.ts';
import { EXPORTERS, type ExportFormat, type ExportOptions, type ExportResult } from '../../recordings/exporter.ts';

/** What one export selects and how it writes. */
export interface EpisodeExportRequest extends ExportOptions {
  format: ExportFormat;
  query: Omit<EpisodeQuery, 'limit' | 'offset'>;
  /** also export episodes recovered with gaps */
  includeGapped?: boolean;
}

export interface EpisodeExportOptions {
  journals: EpisodeJournals;
  /** default: the data directory's SQLite catalog */
  catalog?: Catalog;
  onEpisode?: (done: number, total: number) => void;
}

/** What an export read and wrote; `result` is null when no finished episode matched (nothing was written). */
export interface EpisodeExport {
  /** episodes read and handed to the exporter */
  episodes: number;
  result: ExportResult | null;
  damaged: DamagedEpisode[];
  gapped: string[];
  unavailable: { id: string; error: string }[];
}

/**
 * Reads the episodes a query selects (through `journals`: the data directory, else the object
 * store) and writes them with the format's exporter to `out` (a file or a directory, per format),
 * oldest first. The one export path of `takeover export` and of export jobs. Damaged journals are
 * quarantined and left out, as are unavailable ones; both are returned for the caller to name.
 */
export async function exportEpisodes(dataDir: string, req: EpisodeExportRequest, out: string, opts: EpisodeExportOptions): Promise<EpisodeExport> {
  const { format, query, includeGapped, ...exportOptions } = req;
  const set = await loadEpisodeSet(dataDir, query, { journals: opts.journals, catalog: opts.catalog, includeGapped, onEpisode: opts.onEpisode });
  const { episodes, damaged, gapped, unavailable } = set;
  if (episodes.length === 0) return { episodes: 0, result: null, damaged, gapped, unavailable };
  episodes.sort((a, b) => a.row.startedAt - b.row.startedAt || a.id.localeCompare(b.id));
  // the journal paths as read above (a fetched copy is in the cache by now)
  const input = await Promise.all(episodes.map(async (e) => ({ id: e.id, kind: e.kind, task: e.row.task, outcome: e.row.outcome, steps: e.steps, events: e.events, tags: e.row.tags, file: await opts.journals.path(e.row) })));
  const result = await EXPORTERS[format].write(input, out, exportOptions);
  return { episodes: episodes.length, result, damaged, gapped, unavailable };
}
