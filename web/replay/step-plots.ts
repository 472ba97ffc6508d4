import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Step } from '../../core/step.ts';
import { SEGMENT_COLORS, type Segment } from './segments.ts';

const COLORS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6'];
const HEIGHT = 170;
/** width of the y axis, px: the same for every plot, so their x ranges line up with each other */
const Y_AXIS_PX = 52;

/**
 * Columns for uPlot: the step's index in the recording (the scrubber's x too), then one series
 * per component (null where the step has none).
 */
export function plotColumns(steps: readonly Step[], pick: (s: Step) => readonly number[] | null, n: number): (number | null)[][] {
  const cols: (number | null)[][] = [steps.map((_, i) => i)];
  for (let k = 0; k < n; k++) cols.push(steps.map((s) => pick(s)?.[k] ?? null));
  return cols;
}

/** Hex colour with an alpha byte (segment shading under the curves). */
function tint(hex: string, alpha: number): string {
  return `${hex}${Math.round(alpha * 255).toString(16).padStart(2, '0')}`;
}

export interface StepPlotOptions {
  /** control segments over the step indices, shaded under the curves */
  segments?: readonly Segment[];
  /** the x legend and tick label of an index (e.g. "step 12 · 0.60 s") */
  xLabel?: (index: number) => string;
}

/**
 * A uPlot chart over recording index with a vertical cursor at the replayed step, the control
 * segments shaded behind the curves, and a legend showing the values at that step.
 */
export class StepPlot {
  readonly el = document.createElement('div');
  readonly plot: uPlot;
  #cursor = Number.NaN;

  constructor(title: string, labels: string[], data: (number | null)[][], width: number, opts: StepPlotOptions = {}) {
    this.el.className = 'plot';
    const segments = opts.segments ?? [];
    const xLabel = opts.xLabel ?? ((i: number) => String(i));
    const shade = (u: uPlot) => {
      const { top, height } = u.bbox;
      const ctx = u.ctx;
      ctx.save();
      for (const s of segments) {
        // a segment covers its steps' x from half a step before the first to half after the last
        const x0 = u.valToPos(s.from - 0.5, 'x', true);
        const x1 = u.valToPos(s.to - 0.5, 'x', true);
        ctx.fillStyle = tint(SEGMENT_COLORS[s.kind], 0.22);
        ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
      }
      ctx.restore();
    };
    const cursorLine = (u: uPlot) => {
      if (!Number.isFinite(this.#cursor)) return;
      const x = u.valToPos(this.#cursor, 'x', true);
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.restore();
    };
    // hovering shows the hovered step; leaving the plot goes back to the replayed one
    const backToCursor = (u: uPlot) => {
      if (u.cursor.idx == null && Number.isFinite(this.#cursor)) u.setLegend({ idx: this.#cursor }, false);
    };
    const n = (data[0]?.length ?? 1) - 1;
    this.plot = new uPlot(
      {
        title,
        width,
        height: HEIGHT,
        legend: { show: true, live: true },
        // the x range is exactly the recording, like the scrubber under the 3D view
        scales: { x: { time: false, range: () => [-0.5, Math.max(0.5, n + 0.5)] } },
        axes: [
          { stroke: '#aaa', grid: { stroke: '#333' }, values: (_u, ticks) => ticks.map((i) => (Number.isInteger(i) && i >= 0 && i <= n ? xLabel(i).split(' · ')[0] : '')) },
          { stroke: '#aaa', grid: { stroke: '#333' }, size: Y_AXIS_PX },
        ],
        series: [
          { label: 'step', value: (_u, i) => (i == null || !Number.isFinite(i) ? '–' : xLabel(Math.round(i))) },
          ...labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.2, spanGaps: false, value: (_u: uPlot, v: number | null) => (v == null ? '–' : v.toFixed(3)) })),
        ],
        hooks: { drawClear: [shade], draw: [cursorLine], setCursor: [backToCursor] },
      },
      data as uPlot.AlignedData,
      this.el,
    );
  }

  /** Moves the cursor line and the legend's values to recording index i. */
  setCursor(i: number): void {
    if (i === this.#cursor) return;
    this.#cursor = i;
    if (this.plot.cursor.idx == null && Number.isFinite(i)) this.plot.setLegend({ idx: i }, false);
    this.plot.redraw(false, false);
  }

  /** The page x (CSS px) of recording index i on this plot. */
  pageX(i: number): number {
    return this.plot.over.getBoundingClientRect().left + this.plot.valToPos(i, 'x');
  }

  resize(width: number): void {
    this.plot.setSize({ width, height: HEIGHT });
  }

  dispose(): void {
    this.plot.destroy();
  }
}
