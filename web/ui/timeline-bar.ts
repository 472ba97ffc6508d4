import { SEGMENT_COLORS, type Segment, type SegmentKind } from '../replay/segments.ts';
import { h } from './dom.ts';

/**
 * Entries the bar spans for `entries` ticks at `rateHz`: whole windows of `windowS` seconds, so a
 * short episode stays short on the bar instead of being stretched over all of it.
 */
export function timelineScale(entries: number, rateHz: number, windowS = 30): number {
  const w = Math.max(1, Math.round(windowS * rateHz));
  return Math.max(1, Math.ceil(entries / w)) * w;
}

/** A round step interval for about `want` axis labels over `span` steps. */
function tickStep(span: number, want = 6): number {
  const raw = span / want;
  const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= raw) ?? 10 * p;
}

/** Colour swatches naming segment kinds (the timeline's, the replay's path and plots'). */
export function segmentLegend(kinds: readonly SegmentKind[]): HTMLElement {
  return h('div', { class: 'legend' }, ...kinds.map((k) => h('span', { 'data-kind': k }, h('i', { style: `background:${SEGMENT_COLORS[k]}` }), k)));
}

export interface TimelineAxis {
  /** episode step of each entry (labels show steps, and seconds at `rateHz`) */
  steps: readonly number[];
  rateHz: number;
  /** entries from this index on can still be rewound (shaded); null: unknown */
  horizonFrom: number | null;
}

/**
 * A horizontal bar of colored segments with a cursor; pointer drags report a fraction [0, 1]
 * (scrubbing). `total` is the number of entries the segments index into.
 */
export class TimelineBar {
  readonly el: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  onScrub: ((fraction: number, done: boolean) => void) | null = null;
  #segments: Segment[] = [];
  #total = 0;
  #cursor: number | null = null;
  #dragging = false;
  #axis: TimelineAxis | null = null;

  /** An empty label and `legend: false` leave the row to the bar alone (the replay lines it up with its plots). */
  constructor(label: string, { legend = true }: { legend?: boolean } = {}) {
    this.canvas = h('canvas', { class: 'timeline-canvas', height: 42, 'data-testid': 'timeline' });
    this.el = h('div', { class: 'timeline' }, label ? h('span', { class: 'muted', text: label }) : null, this.canvas, legend ? segmentLegend(['policy', 'operator', 'rewound', 'recovery', 'hold']) : null);
    const at = (e: PointerEvent) => {
      const r = this.canvas.getBoundingClientRect();
      return Math.min(1, Math.max(0, (e.clientX - r.left) / Math.max(1, r.width)));
    };
    this.canvas.addEventListener('pointerdown', (e) => {
      this.#dragging = true;
      this.canvas.setPointerCapture(e.pointerId);
      this.onScrub?.(at(e), false);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (this.#dragging) this.onScrub?.(at(e), false);
    });
    this.canvas.addEventListener('pointerup', (e) => {
      if (!this.#dragging) return;
      this.#dragging = false;
      this.onScrub?.(at(e), true);
    });
  }

  get dragging(): boolean {
    return this.#dragging;
  }

  /** Sets segments over `total` entries and the cursor (an entry index or null), then redraws. */
  set(segments: Segment[], total: number, cursor: number | null, axis: TimelineAxis | null = null): void {
    this.#axis = axis;
    this.#segments = segments;
    this.#total = total;
    this.#cursor = cursor;
    this.draw();
  }

  draw(): void {
    const c = this.canvas;
    const w = Math.max(1, c.clientWidth);
    if (c.width !== w) c.width = w;
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, c.width, c.height);
    g.fillStyle = '#15181c';
    g.fillRect(0, 0, c.width, c.height);
    const n = Math.max(1, this.#total);
    const barH = this.#axis ? 24 : c.height - 8;
    const axis = this.#axis;
    if (axis && axis.horizonFrom !== null && axis.steps.length > 0) {
      // the span a rewind can still reach
      g.fillStyle = 'rgba(127, 212, 255, 0.18)';
      const x0 = (axis.horizonFrom / n) * c.width;
      g.fillRect(x0, 0, ((axis.steps.length - axis.horizonFrom) / n) * c.width, barH + 8);
    }
    for (const s of this.#segments) {
      g.fillStyle = SEGMENT_COLORS[s.kind];
      const x0 = (s.from / n) * c.width;
      g.fillRect(x0, 4, Math.max(1, ((s.to - s.from) / n) * c.width), barH);
    }
    if (axis) this.#drawAxis(g, n, barH + 8, axis);
    if (this.#cursor !== null) {
      g.fillStyle = '#ffffff';
      g.fillRect(Math.round(((this.#cursor + 0.5) / n) * c.width) - 1, 0, 2, c.height);
    }
  }

  /** Step ticks with "step (seconds)" labels under the bar; entries past the episode by the rate. */
  #drawAxis(g: CanvasRenderingContext2D, n: number, y: number, axis: TimelineAxis): void {
    const first = axis.steps[0] ?? 0;
    const last = axis.steps.length - 1;
    // entries are the frames seen (a step may be skipped): past the end, go on at the mean stride
    const stride = last > 0 ? (axis.steps[last] - first) / last : 1;
    const every = tickStep(n);
    g.fillStyle = '#8a94a1';
    g.font = '10px sans-serif';
    g.textBaseline = 'top';
    for (let i = 0; i < n; i += every) {
      const x = (i / n) * this.canvas.width;
      const step = i <= last ? axis.steps[i] : Math.round((axis.steps[last] ?? first) + (i - last) * stride);
      g.fillRect(x, y - 4, 1, 4);
      g.fillText(`${step} (${((step - first) / axis.rateHz).toFixed(1)} s)`, x + 2, y);
    }
  }
}
