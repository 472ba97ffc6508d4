import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from './catalog.ts';
import { dataDirLayout } from './data-dir.ts';

/** A refused episode operation; `code` says why (the API maps it to 404 / 409). */
export class EpisodeOpError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

const DELETING = '.deleting';

/**
 * Deletes an episode's journal and catalog row together or not at all: the file is first
 * renamed aside, then the row deleted (the file is renamed back if that fails), then the file
 * removed. A crash in between is settled by `finishPendingDeletes` on the next start.
 */
export async function deleteEpisode(dataDir: string, catalog: Catalog, id: string): Promise<void> {
  const row = await catalog.get(id);
  if (!row) throw new EpisodeOpError('not_found', `episode '${id}' not found`);
  if (row.status === 'recording') throw new EpisodeOpError('conflict', `episode '${id}' is still recording`);
  const path = join(dataDir, row.file);
  let moved = false;
  try {
    await rename(path, path + DELETING);
    moved = true;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err; // a quarantined episode has no file here
  }
  try {
    await catalog.delete(id);
  } catch (err) {
    if (moved) await rename(path + DELETING, path);
    throw err;
  }
  if (moved) await rm(path + DELETING, { force: true });
}

/** Completes or undoes deletes a crash interrupted: the row decides. */
export async function finishPendingDeletes(dataDir: string, catalog: Catalog): Promise<void> {
  const dir = dataDirLayout(dataDir).episodes;
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.mcap' + DELETING)) continue;
    const id = name.slice(0, -('.mcap' + DELETING).length);
    if (await catalog.get(id)) await rename(join(dir, name), join(dir, name.slice(0, -DELETING.length)));
    else await rm(join(dir, name), { force: true });
  }
}
