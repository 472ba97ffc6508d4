import type { EpisodeRow } from '../../recordings/catalog.ts';
import { JournalFetchError } from '../../recordings/episode-journals.ts';
import { TakeoverError, withoutServerPaths } from '../errors.ts';

/** A journal that could not be read, as the API's error: missing 404, the object store unreachable 503, anything else 500. */
export function journalError(row: EpisodeRow, err: unknown, dataDir: string): TakeoverError {
  const code = err instanceof JournalFetchError ? 'TKO_ERR_BUSY' : (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'TKO_ERR_NOT_FOUND' : 'TKO_ERR_INTERNAL';
  return new TakeoverError(code, `episode '${row.id}': its journal ${row.file} could not be read (${withoutServerPaths((err as Error).message, dataDir)})`);
}
