import type { Catalog, EpisodeQuery, EpisodeRow } from '../recordings/catalog.ts';
import { dataDirLayout } from '../recordings/data-dir.ts';
import { readJournalFile } from '../recordings/episode-reader.ts';
import { EpisodeJournals, JournalFetchError } from '../recordings/episode-journals.ts';
import { quarantineEpisode, type DamagedEpisode } from '../recordings/episode-quarantine.ts';
import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import type { EpisodeSteps } from './training-set.ts';

const PAGE = 1000;

export type { DamagedEpisode } from '../recordings/episode-quarantine.ts';

export interface LoadEpisodesOptions {
  /** called after each episode read (or skipped) */
  onEpisode?: (done: number, total: number) => void;
  /** keep recovered episodes whose journal has gaps (chunks lost to damage); default false */
  includeGapped?: boolean;
  /** the catalog to query (default: the data directory's SQLite catalog, opened and closed here) */
  catalog?: Catalog;
  /** where journal bytes come from (default: the data directory alone; with an object store, uploaded journals missing here are fetched) */
  journals?: EpisodeJournals;
}

/** The episodes read, and those left out with the reason. */
export interface LoadedEpisodes {
  episodes: Array<EpisodeSteps & { row: EpisodeRow }>;
  /** finished journals that could not be read: moved to quarantine/, rows marked 'quarantined' */
  damaged: DamagedEpisode[];
  /** recovered journals with gaps, left out (includeGapped keeps them) */
  gapped: string[];
  /** uploaded journals not on this disk that the object store could not give back now: left out, nothing moved or marked */
  unavailable: { id: string; error: string }[];
}

/**
 * Reads the episodes a catalog query selects, through the catalog and the journal reader.
 * Journals still being recorded or quarantined are skipped (their rows say so). A finished
 * journal that does not read is quarantined and reported, and the others are still read.
 */
export async function loadEpisodeSet(dataDir: string, query: Omit<EpisodeQuery, 'limit' | 'offset'>, opts: LoadEpisodesOptions = {}): Promise<LoadedEpisodes> {
  const catalog: Catalog = opts.catalog ?? new SqliteCatalog(dataDirLayout(dataDir).catalog);
  try {
    const rows = [];
    for (let offset = 0; ; offset += PAGE) {
      const { items, total } = await catalog.list({ ...query, limit: PAGE, offset });
      rows.push(...items);
      if (items.length === 0 || offset + items.length >= total) break;
    }
    const usable = rows.filter((r) => r.status === 'complete' || r.status === 'recovered');
    const journals = opts.journals ?? new EpisodeJournals(dataDir);
    const out: LoadedEpisodes = { episodes: [], damaged: [], gapped: [], unavailable: [] };
    let done = 0;
    for (const row of usable) {
      let j;
      try {
        j = await readJournalFile(await journals.path(row));
      } catch (err) {
        // a store that is down says nothing about the journal: only a journal that does not read is quarantined
        if (err instanceof JournalFetchError) out.unavailable.push({ id: row.id, error: err.message });
        else out.damaged.push(await quarantineEpisode(dataDir, catalog, row, (err as Error).message));
      }
      if (j && j.gaps.length > 0 && !opts.includeGapped) out.gapped.push(row.id);
      else if (j) out.episodes.push({ id: row.id, kind: row.kind, steps: j.steps, events: j.events as unknown as EpisodeSteps['events'], row });
      opts.onEpisode?.(++done, usable.length);
    }
    return out;
  } finally {
    if (!opts.catalog) await catalog.close();
  }
}

/** The episodes of `loadEpisodeSet` alone (damaged ones quarantined, gapped ones left out). */
export async function loadEpisodes(dataDir: string, query: Omit<EpisodeQuery, 'limit' | 'offset'>, onEpisode?: (done: number, total: number) => void): Promise<Array<EpisodeSteps & { row: EpisodeRow }>> {
  return (await loadEpisodeSet(dataDir, query, { onEpisode })).episodes;
}
