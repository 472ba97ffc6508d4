import { copyFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Catalog, EpisodeRow } from './catalog.ts';
import { dataDirLayout } from './data-dir.ts';

/** A finished episode whose journal could not be read, and where it went. */
export interface DamagedEpisode {
  id: string;
  file: string;
  error: string;
  /** the file's new place under the data dir, null if it could not be moved */
  movedTo: string | null;
  /** why the catalog row still says otherwise, if it does */
  catalogError?: string;
}

/** Moves (or copies) a journal from episodes/ into quarantine/ under a unique name; returns the new relative path. */
export async function quarantineFile(dataDir: string, name: string, copy = false): Promise<string> {
  const layout = dataDirLayout(dataDir);
  const target = `${basename(name, '.mcap')}.${new Date().toISOString().replace(/[:.]/g, '-')}.${process.pid}.mcap`;
  const from = join(layout.episodes, basename(name));
  if (copy) await copyFile(from, join(layout.quarantine, target));
  else await rename(from, join(layout.quarantine, target));
  return `quarantine/${target}`;
}

/**
 * Takes a finished episode whose journal is damaged out of use: its file goes to quarantine/
 * and its row says 'quarantined', so one bad file never stops the others. Never throws: what
 * could not be done is in the result.
 */
export async function quarantineEpisode(dataDir: string, catalog: Catalog, row: EpisodeRow, error: string): Promise<DamagedEpisode> {
  const out: DamagedEpisode = { id: row.id, file: row.file, error, movedTo: null };
  try {
    out.movedTo = await quarantineFile(dataDir, row.file);
  } catch (err) {
    out.catalogError = `file not moved: ${(err as Error).message}`;
  }
  try {
    await catalog.setStatus(row.id, 'quarantined');
  } catch (err) {
    out.catalogError = [out.catalogError, `row not marked quarantined: ${(err as Error).message}`].filter(Boolean).join('; ');
  }
  return out;
}
