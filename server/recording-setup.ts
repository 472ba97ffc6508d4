import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import { Recorder } from '../recordings/recorder.ts';
import { dataDirLayout, ensureDataDir } from '../recordings/data-dir.ts';
import { recoverDataDir, type RecoveryReport } from '../recordings/recovery.ts';
import type { Catalog } from '../recordings/catalog.ts';

/** The recorder and catalog of a running server. */
export interface Recording {
  recorder: Recorder;
  catalog: Catalog;
  recovery: RecoveryReport;
  close(): Promise<void>;
}

/** Opens the catalog, recovers journals a crash left open, and starts the recorder (design.md "Recordings"). */
export async function openRecording(dataDir: string, onError: (err: Error) => void): Promise<Recording> {
  ensureDataDir(dataDir);
  const catalog = new SqliteCatalog(dataDirLayout(dataDir).catalog);
  const recovery = await recoverDataDir(dataDir, catalog);
  const recorder = new Recorder({ dataDir, catalog, onError });
  return {
    recorder, catalog, recovery,
    async close() {
      await recorder.close();
      await catalog.close();
    },
  };
}
