import { isCatalogBusy, type Catalog } from '../../recordings/catalog.ts';
import { TakeoverError } from '../errors.ts';

/**
 * The catalog as request handlers see it: every call that finds the catalog locked by another
 * process (CatalogBusyError: reads, or writes past their deadline) fails with
 * TKO_ERR_CATALOG_BUSY, a 503 the client can retry, instead of waiting.
 */
export function catalogForRequests(catalog: Catalog): Catalog {
  const busy = (err: unknown): never => {
    if (isCatalogBusy(err)) throw new TakeoverError('TKO_ERR_CATALOG_BUSY', `the recordings catalog is locked by another process; retry shortly (${(err as Error).message})`);
    throw err;
  };
  return {
    insert: (row) => catalog.insert(row).catch(busy),
    finish: (id, f) => catalog.finish(id, f).catch(busy),
    upsert: (row) => catalog.upsert(row).catch(busy),
    get: (id) => catalog.get(id).catch(busy),
    list: (q) => catalog.list(q).catch(busy),
    patch: (id, p) => catalog.patch(id, p).catch(busy),
    setStatus: (id, s) => catalog.setStatus(id, s).catch(busy),
    delete: (id) => catalog.delete(id).catch(busy),
    close: () => catalog.close(),
  };
}
