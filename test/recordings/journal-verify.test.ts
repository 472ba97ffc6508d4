import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyDataDir } from '../../recordings/journal-verify.ts';
import { ensureDataDir } from '../../recordings/data-dir.ts';
import { SqliteCatalog } from '../../recordings/sqlite-catalog.ts';
import type { EpisodeFinish } from '../../recordings/catalog.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const finished: EpisodeFinish = { endedAt: 2, outcome: 'success', steps: 3, interventionCount: 0, interventionSteps: 0, interventionOnsets: [], operators: [], droppedSteps: 0, bytes: 10, status: 'complete' };

describe('verifyDataDir', () => {
  it('reports a finished row without its journal, unless the journal was uploaded to object storage', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tko-verify-'));
    dirs.push(dataDir);
    ensureDataDir(dataDir);
    const catalog = new SqliteCatalog(join(dataDir, 'catalog.sqlite'));
    try {
      for (const id of ['gone', 'uploaded']) {
        await catalog.insert({ id, robotId: 'arm0', task: 'place', seed: 1, policyVersion: null, kind: 'policy', startedAt: 1, file: `episodes/${id}.mcap` });
        await catalog.finish(id, finished);
      }
      await catalog.markUploaded('uploaded', { storageKey: 'episodes/uploaded.mcap', sha256: '00'.repeat(32), uploadedAt: 5 });
      const checks = await verifyDataDir(dataDir, catalog);
      expect(checks).toEqual([{ file: 'episodes/gone.mcap', status: 'damaged', steps: 0, problems: ['episode gone is complete in the catalog but its journal is missing'] }]);
    } finally {
      await catalog.close();
    }
  });
});
