import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { quarantineFile } from './episode-quarantine.ts';
import { basename, join } from 'node:path';
import type { Outcome } from '../core/step.ts';
import type { Catalog, EpisodeRow } from './catalog.ts';
import { dataDirLayout, ensureDataDir, journalFile, recorderHolding } from './data-dir.ts';
import { readJournal } from './episode-reader.ts';
import { rowFromJournal } from './episode-summary.ts';
import { BytesReadable } from './file-readable.ts';
import { FileSink } from './file-sink.ts';
import { scanJournal, type JournalScan } from './journal-scan.ts';
import { JournalWriter } from './journal-writer.ts';
import type { JournalGap } from './journal-schemas.ts';
import { cameraOfTopic } from './image-journal.ts';
import { finishPendingDeletes } from './episode-delete.ts';

export interface RecoveryReport {
  /** journals looked at (files the catalog does not list as finished, plus rows still 'recording') */
  checked: number;
  /** finished files whose catalog row was missing or stale, now indexed */
  indexed: string[];
  /** `gaps`: damaged stretches skipped in the middle (the episode is tagged `gaps` and left out of training by default) */
  recovered: { episodeId: string; steps: number; discardedBytes: number; gaps: JournalGap[]; problem: string | null; originalKeptAt: string | null }[];
  quarantined: { file: string; reason: string; movedTo: string | null }[];
  /** per-file failures that left the file untouched */
  errors: { file: string; error: string }[];
}

/** The catalog tag of an episode recovered with gaps (a filter for `train --episodes tag=gaps`). */
export const GAPS_TAG = 'gaps';

const nsToMs = (ns: bigint) => Number(ns / 1_000_000n);

/**
 * Brings a data directory back to a consistent state after a crash (run at start, before the
 * Recorder): journals without a footer are rewritten up to their last complete chunk with a
 * summary and footer and marked 'recovered' (the original bytes are kept in quarantine/ when
 * a tail was cut); finished journals the catalog lost are indexed; anything that is not a
 * journal is moved to quarantine/ and reported. Never throws for a bad file.
 */
export async function recoverDataDir(dataDir: string, catalog: Catalog): Promise<RecoveryReport> {
  const holder = recorderHolding(dataDir);
  if (holder !== null) {
    throw new Error(`recovery: data dir ${dataDir} is being recorded into by ${holder === process.pid ? 'a Recorder in this process (recover before creating it)' : `process ${holder}; stop it first`}`);
  }
  ensureDataDir(dataDir);
  const layout = dataDirLayout(dataDir);
  const report: RecoveryReport = { checked: 0, indexed: [], recovered: [], quarantined: [], errors: [] };
  await finishPendingDeletes(dataDir, catalog);
  const names = await readdir(layout.episodes);
  for (const name of names) if (name.endsWith('.recovering')) await rm(join(layout.episodes, name), { force: true }); // an interrupted recovery: redo it
  for (const name of names.filter((n) => n.endsWith('.mcap')).sort()) {
    const id = basename(name, '.mcap');
    const row = await catalog.get(id);
    if (row && (row.status === 'complete' || row.status === 'recovered')) continue;
    report.checked++;
    try {
      await recoverFile(dataDir, name, row, catalog, report);
    } catch (err) {
      report.errors.push({ file: journalFile(id), error: (err as Error).message });
    }
  }
  for (let offset = 0; ; offset += 500) {
    const { items } = await catalog.list({ status: 'recording', limit: 500, offset });
    for (const row of items) {
      if (names.includes(`${row.id}.mcap`)) continue;
      report.checked++;
      await catalog.setStatus(row.id, 'quarantined');
      report.quarantined.push({ file: row.file, reason: 'journal file missing', movedTo: null });
    }
    if (items.length < 500) break;
  }
  return report;
}

async function recoverFile(dataDir: string, name: string, row: EpisodeRow | null, catalog: Catalog, report: RecoveryReport): Promise<void> {
  const layout = dataDirLayout(dataDir);
  const path = join(layout.episodes, name);
  const file = `episodes/${name}`;
  const bytes = new Uint8Array(await readFile(path));
  const keep = row ? { notes: row.notes, tags: row.tags } : { notes: '', tags: [] };

  // A finished journal (footer and summary present) only needs its catalog row.
  const whole = await readJournal(new BytesReadable(bytes), file).catch(() => null);
  if (whole) {
    const end = { endedAt: whole.end?.endedAt ?? null, outcome: whole.end?.outcome ?? null, droppedSteps: whole.end?.dropped ?? 0, bytes: bytes.byteLength, status: 'complete' as const };
    await catalog.upsert(rowFromJournal(whole.meta, whole.steps, whole.events, end, whole.gaps.length && !keep.tags.includes(GAPS_TAG) ? { ...keep, tags: [...keep.tags, GAPS_TAG] } : keep));
    report.indexed.push(whole.meta.episodeId);
    return;
  }

  const scan = scanJournal(bytes, file);
  const id = basename(name, '.mcap');
  if (scan.state === 'garbage' || !scan.meta || scan.meta.episodeId !== id) {
    const reason = scan.state === 'garbage' ? (scan.problem ?? 'not a journal') : !scan.meta ? `no episode metadata (${scan.problem})` : `metadata names episode '${scan.meta.episodeId}'`;
    const movedTo = await quarantineFile(dataDir, name);
    if (row) await catalog.setStatus(row.id, 'quarantined');
    report.quarantined.push({ file, reason, movedTo });
    return;
  }
  const tmp = `${path}.recovering`;
  const recoveredBytes = await rewrite(tmp, scan);
  const originalKeptAt = scan.discardedBytes > 0 || scan.gaps.length > 0 ? await quarantineFile(dataDir, name, true) : null;
  await rename(tmp, path);
  const steps = scan.messages.filter((m) => m.topic === '/step').map((m) => JSON.parse(new TextDecoder().decode(m.data)));
  const events = scan.messages.filter((m) => !m.topic.startsWith('/step') && !m.topic.startsWith('/action') && cameraOfTopic(m.topic) === null).map((m) => JSON.parse(new TextDecoder().decode(m.data)));
  const last = scan.messages.at(-1);
  await catalog.upsert(
    rowFromJournal(scan.meta, steps, events, { endedAt: last ? nsToMs(last.logTime) : scan.meta.startedAt, outcome: outcomeOf(events), droppedSteps: 0, bytes: recoveredBytes, status: 'recovered' }, {
      ...keep,
      tags: scan.gaps.length && !keep.tags.includes(GAPS_TAG) ? [...keep.tags, GAPS_TAG] : keep.tags,
    }),
  );
  report.recovered.push({ episodeId: id, steps: scan.steps, discardedBytes: scan.discardedBytes, gaps: scan.gaps, problem: scan.problem, originalKeptAt });
}

/** The outcome the loop recorded before the crash, else 'aborted' (the episode was cut short). */
function outcomeOf(events: { type: string; outcome?: unknown }[]): Outcome {
  const e = events.filter((x) => x.type === 'outcome').at(-1);
  return (e?.outcome as Outcome | undefined) ?? 'aborted';
}

async function rewrite(tmp: string, scan: JournalScan): Promise<number> {
  await rm(tmp, { force: true });
  const sink = new FileSink(tmp);
  const w = new JournalWriter(sink, scan.meta!);
  if (scan.gaps.length) w.writeGaps(scan.gaps);
  let n = 0;
  for (const m of scan.messages) {
    w.writeRaw(m.topic, m.logTime, m.publishTime, m.data);
    if (++n % 3000 === 0) await w.flush();
  }
  const last = scan.messages.at(-1);
  const events = scan.messages.filter((m) => m.topic === '/episode/events').map((m) => JSON.parse(new TextDecoder().decode(m.data)));
  await w.finish({ endedAt: last ? nsToMs(last.logTime) : scan.meta!.startedAt, outcome: outcomeOf(events), steps: scan.steps, dropped: 0 });
  return (await stat(tmp)).size;
}
