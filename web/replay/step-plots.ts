import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Step } from '../../core/step.ts';

const COLORS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6'];

/** Columns for uPlot: time, then one series per component (null where the step has none). */
export function plotColumns(steps: readonly Step[], pick: (s: Step) => readonly number[] | null, n: number): (number | null)[][] {
  const cols: (number | null)[][] = [steps.map((s) => s.t)];
  for (let k = 0; k < n; k++) cols.push(steps.map((s) => pick(s)?.[k] ?? null));
  return cols;
}

/** A uPlot chart with a vertical cursor at the replay time. */
export class StepPlot {
  readonly el = document.createElement('div');
  readonly plot: uPlot;
  #cursorT = Number.NaN;

  constructor(title: string, labels: string[], data: (number | null)[][], width: number) {
    this.el.className = 'plot';
    const cursorHook = (u: uPlot) => {
      if (!Number.isFinite(this.#cursorT)) return;
      const x = u.valToPos(this.#cursorT, 'x', true);
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
    this.plot = new uPlot(
      {
        title,
        width,
        height: 170,
        legend: { show: true },
        scales: { x: { time: false } },
        axes: [{ stroke: '#aaa', grid: { stroke: '#333' } }, { stroke: '#aaa', grid: { stroke: '#333' } }],
        series: [{ label: 't (s)' }, ...labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.2, spanGaps: false }))],
        hooks: { draw: [cursorHook] },
      },
      data as uPlot.AlignedData,
      this.el,
    );
  }

  /** Moves the cursor line to episode time t (s). */
  setCursor(t: number): void {
    if (t === this.#cursorT) return;
    this.#cursorT = t;
    this.plot.redraw(false, false);
  }

  resize(width: number): void {
    this.plot.setSize({ width, height: 170 });
  }

  dispose(): void {
    this.plot.destroy();
  }
}
