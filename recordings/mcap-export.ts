import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFoxgloveJournal, type RobotModelLookup } from './foxglove-export.ts';
import { simPandaFoxgloveModel } from './foxglove-robot-model.ts';
import type { ExportEpisode } from './robomimic-export.ts';

export interface McapExportSummary {
  dir: string;
  files: number;
  /** of the files, those whose links were drawn from a robot model */
  withLinks: number;
  skipped: { id: string; reason: string }[];
}

/** The default model lookup: the simulated Panda for the robot id `sim` (expert demos), nothing for others. */
export const defaultRobotModels: RobotModelLookup = async (robotId) => (robotId === 'sim' ? simPandaFoxgloveModel() : null);

/**
 * Writes each episode's journal into `dir` as `<episode-id>.mcap`: every record of the journal
 * as it is, plus the Foxglove topics (`/tf`, `/scene`, `/log`, `/joints`; recordings/foxglove-export.ts)
 * that let Foxglove and Lichtblick show the arm, the objects, the events and the joints with no
 * custom panel (docs/recordings.md). A journal that fails to convert is skipped and named; its
 * partial output is removed.
 */
export async function exportMcap(episodes: readonly ExportEpisode[], dir: string, robotModels: RobotModelLookup = defaultRobotModels): Promise<McapExportSummary> {
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) throw new Error(`cannot write journals to ${dir}: it is a file`);
  mkdirSync(dir, { recursive: true });
  const existing = new Set(readdirSync(dir));
  const out: McapExportSummary = { dir, files: 0, withLinks: 0, skipped: [] };
  for (const ep of episodes) {
    if (!ep.file) {
      out.skipped.push({ id: ep.id, reason: 'no journal file' });
      continue;
    }
    const name = basename(ep.file);
    if (existing.has(name)) throw new Error(`cannot write ${name} to ${dir}: a file of that name is there (journals are never overwritten)`);
    const dest = join(dir, name);
    try {
      const s = await writeFoxgloveJournal(ep.file, dest, robotModels);
      out.files++;
      if (s.links) out.withLinks++;
    } catch (err) {
      rmSync(dest, { force: true });
      out.skipped.push({ id: ep.id, reason: `could not convert ${ep.file}: ${(err as Error).message}` });
    }
  }
  return out;
}
