import path from 'node:path';
import type { EpisodeQuery, EpisodeRow } from '../recordings/catalog.ts';
import { dataDirLayout } from '../recordings/data-dir.ts';
import { readJournalFile } from '../recordings/episode-reader.ts';
import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import type { EpisodeSteps } from './training-set.ts';

const PAGE = 1000;

/**
 * Reads the episodes a catalog query selects, through the catalog and the journal reader.
 * Journals still being recorded or quarantined are skipped (their rows say so).
 */
export async function loadEpisodes(dataDir: string, query: Omit<EpisodeQuery, 'limit' | 'offset'>, onEpisode?: (done: number, total: number) => void): Promise<Array<EpisodeSteps & { row: EpisodeRow }>> {
  const catalog = new SqliteCatalog(dataDirLayout(dataDir).catalog);
  try {
    const rows = [];
    for (let offset = 0; ; offset += PAGE) {
      const { items, total } = await catalog.list({ ...query, limit: PAGE, offset });
      rows.push(...items);
      if (items.length === 0 || offset + items.length >= total) break;
    }
    const usable = rows.filter((r) => r.status === 'complete' || r.status === 'recovered');
    const out: Array<EpisodeSteps & { row: EpisodeRow }> = [];
    for (const row of usable) {
      const j = await readJournalFile(path.join(dataDir, row.file));
      out.push({ id: row.id, kind: row.kind, steps: j.steps, events: j.events as unknown as EpisodeSteps['events'], row });
      onEpisode?.(out.length, usable.length);
    }
    return out;
  } finally {
    await catalog.close();
  }
}
