import type { RobotModelLookup } from './foxglove-export.ts';
import type { ExportEpisode } from './robomimic-export.ts';
import type { LabelOptions } from './step-labels.ts';

export const EXPORT_FORMATS = ['robomimic', 'lerobot', 'mcap-foxglove'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options every exporter takes (each uses what applies to it). */
export interface ExportOptions extends Pick<LabelOptions, 'includeRewound' | 'includeRecovery'> {
  controlHz: number;
  /** mcap-foxglove: the model to draw each robot's links with (default: the simulated Panda for robot id `sim`) */
  robotModels?: RobotModelLookup;
}

/** What an export wrote, for the command's JSON and its one-line report. */
export interface ExportResult {
  out: string;
  /** episodes written */
  written: number;
  /** samples, frames or files, per format */
  details: Record<string, unknown>;
  skipped: { id: string; reason: string }[];
  line: string;
}

/**
 * One export format: where it writes (a file or a directory) and how. Each writer loads its
 * format's libraries on first use (HDF5 and Parquet are wasm builds of tens of MiB), so a
 * server that never exports never holds them.
 */
export interface Exporter {
  format: ExportFormat;
  target: 'file' | 'directory';
  write(episodes: readonly ExportEpisode[], out: string, opts: ExportOptions): Promise<ExportResult>;
}

const robomimic: Exporter = {
  format: 'robomimic',
  target: 'file',
  async write(episodes, out, opts) {
    const { exportRobomimic } = await import('./robomimic-export.ts');
    const s = await exportRobomimic(episodes, out, { ...opts, controlHz: opts.controlHz });
    const classes = Object.entries(s.classes).map(([k, v]) => `${k} ${v}`).join(', ');
    return { out, written: s.demos, details: { demos: s.demos, samples: s.samples, classes: s.classes, withStates: s.withStates, withoutStates: s.withoutStates }, skipped: s.skipped, line: `wrote ${s.demos} demos (${s.withStates} with simulator states), ${s.samples} samples (${classes}) to ${out}${s.withoutStates.map((w) => `\n${w.id}: written without states: ${w.reason}`).join('')}` };
  },
};

const lerobot: Exporter = {
  format: 'lerobot',
  target: 'directory',
  async write(episodes, out, opts) {
    const { exportLeRobot } = await import('./lerobot-export.ts');
    const s = await exportLeRobot(episodes, out, { ...opts, fps: opts.controlHz });
    return { out, written: s.episodes, details: { frames: s.frames, fps: opts.controlHz }, skipped: s.skipped, line: `wrote a LeRobot v3.0 dataset of ${s.episodes} episodes, ${s.frames} frames at ${opts.controlHz} fps to ${out}` };
  },
};

const mcap: Exporter = {
  format: 'mcap-foxglove',
  target: 'directory',
  async write(episodes, out, opts) {
    const { exportMcap } = await import('./mcap-export.ts');
    const s = await exportMcap(episodes, out, opts.robotModels);
    return { out, written: s.files, details: { files: s.files, withLinks: s.withLinks }, skipped: s.skipped, line: `wrote ${s.files} journals with Foxglove topics (${s.withLinks} with the arm's links; open them in Foxglove or Lichtblick with docs/foxglove-layout.json) to ${out}` };
  },
};

/** The exporter of each format. */
export const EXPORTERS: Record<ExportFormat, Exporter> = { robomimic, lerobot, 'mcap-foxglove': mcap };
