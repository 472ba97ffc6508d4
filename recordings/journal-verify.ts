import { crc32 } from 'node:zlib';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Catalog } from './catalog.ts';
import { dataDirLayout } from './data-dir.ts';
import { openIndexed, readJournal } from './episode-reader.ts';
import { BytesReadable } from './file-readable.ts';
import { scanJournal } from './journal-scan.ts';

/** What `verifyJournal` found in one file. */
export interface JournalCheck {
  file: string;
  /** ok: intact; gapped: intact, rebuilt by recovery past damage it lists; damaged: see problems */
  status: 'ok' | 'gapped' | 'damaged';
  steps: number;
  problems: string[];
}

/**
 * Checks one journal's bytes: the magic, every record's framing and every chunk's CRC front to
 * back, the data-section CRC in DataEnd, the summary and footer (with its CRC) through the
 * indexed reader, and that every step has its three messages.
 */
export async function verifyJournal(bytes: Uint8Array, file: string): Promise<JournalCheck> {
  const problems: string[] = [];
  const scan = scanJournal(bytes, file);
  if (scan.state === 'garbage') problems.push(scan.problem ?? 'not an MCAP file');
  else {
    if (!scan.meta) problems.push('no episode metadata record');
    if (scan.state !== 'complete') problems.push(scan.problem ?? 'no footer');
    for (const g of scan.gaps) problems.push(`damaged record at byte ${g.offset} (${g.bytes} bytes): ${g.problem}`);
  }
  let steps = scan.steps;
  let gaps = 0;
  if (problems.length === 0) {
    try {
      const reader = await openIndexed(new BytesReadable(bytes));
      const end = Number(reader.dataEndOffset);
      if (reader.dataSectionCrc && reader.dataSectionCrc !== crc32(bytes.subarray(0, end))) problems.push('data section CRC does not match DataEnd');
      const j = await readJournal(new BytesReadable(bytes), file);
      steps = j.steps.length;
      gaps = j.gaps.length;
      if (j.end && j.end.steps !== steps) problems.push(`end record says ${j.end.steps} steps, the file holds ${steps}`);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { file, status: problems.length ? 'damaged' : gaps ? 'gapped' : 'ok', steps, problems };
}

/**
 * Checks every journal in a data directory's episodes/ folder, and (given the catalog) that
 * every finished row still has its file, or a verified copy in object storage. Read-only: nothing is moved or changed.
 */
export async function verifyDataDir(dataDir: string, catalog?: Catalog): Promise<JournalCheck[]> {
  const layout = dataDirLayout(dataDir);
  const names = (await readdir(layout.episodes)).filter((n) => n.endsWith('.mcap')).sort();
  const out: JournalCheck[] = [];
  for (const name of names) out.push(await verifyJournal(new Uint8Array(await readFile(join(layout.episodes, name))), `episodes/${name}`));
  if (catalog) {
    const present = new Set(names.map((n) => `episodes/${basename(n)}`));
    for (const status of ['complete', 'recovered'] as const) {
      for (let offset = 0; ; offset += 1000) {
        const { items } = await catalog.list({ status, limit: 1000, offset });
        // an uploaded journal may be gone from here by design (objectStore keepLocal: false): its verified copy is in the store
        for (const row of items) if (!present.has(row.file) && !row.storageKey) out.push({ file: row.file, status: 'damaged', steps: 0, problems: [`episode ${row.id} is ${status} in the catalog but its journal is missing`] });
        if (items.length < 1000) break;
      }
    }
  }
  return out;
}
