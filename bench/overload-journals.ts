// After the server has exited: steps in the MCAP journals against the ticks the loops ran, and
// the catalog rows against the journals. Journals are read with the project's reader
// (openIndexed / readMetaRecords in recordings/episode-reader.ts: @mcap/core's indexed reader);
// files without a footer with scanJournal (recordings/journal-scan.ts, the crash-recovery reader).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openIndexed, readMetaRecords } from '../recordings/episode-reader.ts';
import { FileReadable } from '../recordings/file-readable.ts';
import { scanJournal } from '../recordings/journal-scan.ts';
import { TOPICS } from '../recordings/journal-schemas.ts';
import { percentile } from './percentiles.ts';

export interface RobotSteps {
  robot: string;
  /** ticks at the last status read before SIGINT (a lower bound of the ticks run) */
  ticks: number;
  steps: number;
  /** step indices missing inside a journal (0 .. its last step) */
  gaps: number;
  /** max(gaps, ticks - steps): steps certainly not in the journals */
  lost: number;
  /** steps recorded (logTime) inside the measured window */
  inWindow: number;
  /** time between this robot's consecutive steps inside the window, ms (the period when on time) */
  intervalP99Ms: number | null;
  intervalMaxMs: number | null;
}

export interface JournalCheck {
  journals: number;
  /** journals the indexed reader refused (no footer, damaged); read front to back instead */
  scanned: string[];
  /** files no reader could read */
  unreadable: string[];
  quarantined: number;
  steps: number;
  lost: number;
  robots: RobotSteps[];
  /** the longest spells in which no robot recorded a step (the whole server stood still), s from the window's start */
  stalls: Array<{ atS: number; ms: number }>;
  /** mismatched: rows with any of the problems, plus journals without a row */
  catalog: { rows: number; notComplete: number; stepsDiffer: number; rowWithoutFile: number; fileWithoutRow: number; mismatched: number; error: string | null };
}

interface Read {
  robot: string;
  indices: number[];
  /** logTime of each step (ns, the server's wall clock when the recorder got it) */
  times: bigint[];
}

const dec = new TextDecoder();
const stepIndex = (data: Uint8Array) => (JSON.parse(dec.decode(data)) as { step: number }).step;

/** Reads one journal's robot, step indices and step times (`/step` messages). */
async function readOne(path: string): Promise<{ read: Read; scanned: boolean } | null> {
  try {
    const readable = await FileReadable.open(path);
    try {
      const reader = await openIndexed(readable);
      const { meta } = await readMetaRecords(reader, path);
      const r: Read = { robot: meta.robotId, indices: [], times: [] };
      for await (const m of reader.readMessages({ topics: [TOPICS.step] })) {
        r.indices.push(stepIndex(m.data));
        r.times.push(m.logTime);
      }
      return { read: r, scanned: false };
    } finally {
      await readable.close();
    }
  } catch {
    const scan = scanJournal(new Uint8Array(readFileSync(path)), path);
    if (!scan.meta) return null;
    const steps = scan.messages.filter((m) => m.topic === TOPICS.step);
    return { read: { robot: scan.meta.robotId, indices: steps.map((m) => stepIndex(m.data)), times: steps.map((m) => m.logTime) }, scanned: true };
  }
}

/** Checks a stopped server's data dir against the tick counts of its robots; `window` in epoch ms. */
export async function checkJournals(dataDir: string, ticks: Map<string, number>, window: { fromMs: number; toMs: number }): Promise<JournalCheck> {
  const dir = join(dataDir, 'episodes');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.mcap')) : [];
  const quarantine = join(dataDir, 'quarantine');
  const out: JournalCheck = {
    journals: files.length, scanned: [], unreadable: [], quarantined: existsSync(quarantine) ? readdirSync(quarantine).length : 0, steps: 0, lost: 0, robots: [], stalls: [],
    catalog: { rows: 0, notComplete: 0, stepsDiffer: 0, rowWithoutFile: 0, fileWithoutRow: 0, mismatched: 0, error: null },
  };
  type Acc = { steps: number; gaps: number; inWindow: number; windowMs: number[] };
  const fresh = (): Acc => ({ steps: 0, gaps: 0, inWindow: 0, windowMs: [] });
  const byRobot = new Map<string, Acc>([...ticks.keys()].map((r) => [r, fresh()]));
  const from = BigInt(Math.round(window.fromMs * 1e6));
  const to = BigInt(Math.round(window.toMs * 1e6));
  const stepsOf = new Map<string, number>();
  const allMs: number[] = [];
  for (const f of files) {
    const r = await readOne(join(dir, f));
    if (!r) {
      out.unreadable.push(f);
      continue;
    }
    if (r.scanned) out.scanned.push(f);
    const { robot, indices, times } = r.read;
    const distinct = new Set(indices).size;
    let last = -1;
    for (const i of indices) if (i > last) last = i;
    const acc = byRobot.get(robot) ?? fresh();
    acc.steps += distinct;
    acc.gaps += last + 1 - distinct;
    for (const t of times) {
      const ms = Number(t) / 1e6;
      if (t >= from && t < to) {
        acc.inWindow++;
        acc.windowMs.push(ms);
      }
      allMs.push(ms);
    }
    byRobot.set(robot, acc);
    stepsOf.set(`episodes/${f}`, distinct);
    out.steps += distinct;
  }
  allMs.sort((a, b) => a - b);
  const gaps: Array<{ atS: number; ms: number }> = [];
  for (let i = 1; i < allMs.length; i++) if (allMs[i] - allMs[i - 1] > 100) gaps.push({ atS: (allMs[i - 1] - window.fromMs) / 1000, ms: allMs[i] - allMs[i - 1] });
  out.stalls = gaps.sort((a, b) => b.ms - a.ms).slice(0, 5);
  for (const [robot, a] of byRobot) {
    const t = ticks.get(robot) ?? 0;
    const lost = Math.max(0, a.gaps, t - a.steps);
    const sorted = a.windowMs.sort((x, y) => x - y);
    const intervals = sorted.slice(1).map((x, i) => x - sorted[i]);
    const iv = (q: number) => (intervals.length ? percentile(intervals, q) : null);
    out.robots.push({ robot, ticks: t, steps: a.steps, gaps: a.gaps, lost, inWindow: a.inWindow, intervalP99Ms: iv(99), intervalMaxMs: iv(100) });
    out.lost += lost;
  }
  try {
    const db = new Database(join(dataDir, 'catalog.sqlite'), { readonly: true, fileMustExist: true });
    const rows = db.prepare('SELECT file, steps, status FROM episodes').all() as Array<{ file: string; steps: number; status: string }>;
    db.close();
    const c = out.catalog;
    c.rows = rows.length;
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.file);
      const s = stepsOf.get(row.file);
      const bad = [row.status !== 'complete', s === undefined, s !== undefined && s !== row.steps];
      c.notComplete += +bad[0];
      c.rowWithoutFile += +bad[1];
      c.stepsDiffer += +bad[2];
      c.mismatched += +bad.some(Boolean);
    }
    c.fileWithoutRow = [...stepsOf.keys()].filter((f) => !seen.has(f)).length;
    c.mismatched += c.fileWithoutRow;
  } catch (err) {
    out.catalog.error = (err as Error).message;
  }
  return out;
}
