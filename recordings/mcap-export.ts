import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ExportEpisode } from './robomimic-export.ts';

export interface McapExportSummary {
  dir: string;
  files: number;
  skipped: { id: string; reason: string }[];
}

/**
 * Copies the journals of the episodes into `dir`, one `<episode-id>.mcap` each: they open in
 * Foxglove and Lichtblick as they are (every channel schema parses there; docs/recordings.md).
 */
export async function exportMcap(episodes: readonly ExportEpisode[], dir: string): Promise<McapExportSummary> {
  if (statSync(dir, { throwIfNoEntry: false })?.isFile()) throw new Error(`cannot copy journals to ${dir}: it is a file`);
  mkdirSync(dir, { recursive: true });
  const existing = new Set(readdirSync(dir));
  const out: McapExportSummary = { dir, files: 0, skipped: [] };
  for (const ep of episodes) {
    if (!ep.file) {
      out.skipped.push({ id: ep.id, reason: 'no journal file' });
      continue;
    }
    const name = basename(ep.file);
    if (existing.has(name)) throw new Error(`cannot copy ${name} to ${dir}: a file of that name is there (journals are never overwritten)`);
    copyFileSync(ep.file, join(dir, name));
    out.files++;
  }
  return out;
}
