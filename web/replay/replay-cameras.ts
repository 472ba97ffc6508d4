import type { EpisodesApi } from '../net/episodes-api.ts';
import { h } from '../ui/dom.ts';

/** Handles browser tests read (window.__takeover.replay.cameras). */
export interface ReplayCamerasHandle {
  /** per camera: the episode time of the frame shown (s), or null */
  shownT: Map<string, number | null>;
  /** the step the shown frames were fetched for */
  step: number | null;
}

/**
 * The recorded camera frames of an episode in Replay: per camera, the frame that was newest at
 * the shown step's time, fetched from GET /api/episodes/:id/images. While one fetch is out, only
 * the latest step asked for waits (scrubbing does not pile up requests).
 */
export class ReplayCameras {
  readonly el = h('div', { class: 'camera-strip replay-cameras', 'data-testid': 'replay-cameras' });
  readonly handle: ReplayCamerasHandle = { shownT: new Map(), step: null };
  #api: EpisodesApi;
  #id: string;
  #imgs = new Map<string, { img: HTMLImageElement; label: HTMLElement }>();
  #busy = false;
  #want: { step: number; t: number } | null = null;

  constructor(api: EpisodesApi, id: string) {
    this.#api = api;
    this.#id = id;
    void api.cameras(id).then((cams) => {
      for (const c of cams) {
        const img = h('img', { alt: `recorded camera ${c.name}`, 'data-testid': `replay-camera-${c.name}` }) as HTMLImageElement;
        const label = h('span', { class: 'muted', text: `${c.frames} frames` });
        this.el.append(h('figure', { class: 'camera-panel', 'data-camera': c.name }, img, h('figcaption', {}, h('span', { text: c.name }), label)));
        this.#imgs.set(c.name, { img, label });
        this.handle.shownT.set(c.name, null);
      }
      this.#next();
    }, () => {});
  }

  /** Shows the frames newest at step `step` (episode time `t`, s). */
  showAt(step: number, t: number): void {
    this.#want = { step, t };
    this.#next();
  }

  async #next(): Promise<void> {
    if (this.#busy || !this.#want || this.#imgs.size === 0) return;
    const want = this.#want;
    this.#want = null;
    this.#busy = true;
    try {
      await Promise.all([...this.#imgs].map(async ([camera, p]) => {
        try {
          const r = await this.#api.imageAt(this.#id, camera, want.t);
          p.img.src = `data:image/${r.format === 'png' ? 'png' : 'jpeg'};base64,${r.data}`;
          p.label.textContent = `${r.t.toFixed(2)} s`;
          this.handle.shownT.set(camera, r.t);
        } catch {
          p.label.textContent = 'no frame';
          this.handle.shownT.set(camera, null);
        }
      }));
      this.handle.step = want.step;
    } finally {
      this.#busy = false;
      void this.#next();
    }
  }
}
