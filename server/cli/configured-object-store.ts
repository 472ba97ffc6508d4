import type { ObjectStoreConfig } from '../config/config-schema.ts';
import { loadConfig } from '../config/load-config.ts';

/**
 * The `objectStore` of the configuration a CLI command was given (`--config FILE`), or null. A
 * configuration that does not load gives none, said on stderr under the command's name: the
 * command still reads the journals in its data directory.
 */
export function configuredObjectStore(config: string | undefined, command: string): ObjectStoreConfig | null {
  try {
    return loadConfig({ config }).objectStore ?? null;
  } catch (err) {
    process.stderr.write(`takeover ${command}: configuration not read (${(err as Error).message}); journals are read from the data directory only\n`);
    return null;
  }
}
