import { SEGMENT_COLORS, type Segment, type SegmentKind } from '../replay/segments.ts';
import { h } from './dom.ts';

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

  constructor(label: string) {
    this.canvas = h('canvas', { class: 'timeline-canvas', height: 28, 'data-testid': 'timeline' });
    const legend = h('div', { class: 'legend' }, ...(['policy', 'operator', 'rewound', 'recovery', 'hold'] as SegmentKind[]).map((k) => h('span', {}, h('i', { style: `background:${SEGMENT_COLORS[k]}` }), k)));
    this.el = h('div', { class: 'timeline' }, h('span', { class: 'muted', text: label }), this.canvas, legend);
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
  set(segments: Segment[], total: number, cursor: number | null): void {
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
    for (const s of this.#segments) {
      g.fillStyle = SEGMENT_COLORS[s.kind];
      const x0 = (s.from / n) * c.width;
      g.fillRect(x0, 4, Math.max(1, ((s.to - s.from) / n) * c.width), c.height - 8);
    }
    if (this.#cursor !== null) {
      g.fillStyle = '#ffffff';
      g.fillRect(Math.round(((this.#cursor + 0.5) / n) * c.width) - 1, 0, 2, c.height);
    }
  }
}
