import type { CameraInfo } from '../../protocol/camera-messages.ts';
import { CameraLink, robotCameras, type LiveCameraFrame } from '../net/camera-link.ts';
import { h } from './dom.ts';

/** A frame older than this shows its age in red, ms (at least three frame intervals). */
export const OLD_FRAME_MS = 500;

interface Panel {
  el: HTMLElement;
  img: HTMLImageElement;
  age: HTMLElement;
  url: string | null;
  last: LiveCameraFrame | null;
  oldAfterMs: number;
}

/** Handles browser tests read (window.__takeover.robotView.cameras). */
export interface CameraPanelsHandle {
  /** frames shown so far, per camera */
  shown: Map<string, number>;
  link: CameraLink | null;
}

/**
 * Live camera panels of a robot beside its 3D view: the newest image of each camera with its age
 * (red when older than OLD_FRAME_MS or three frame intervals), over a camera socket of its own.
 * Robots without cameras get none (simulated robots: the 3D view is their camera).
 */
export class CameraPanels {
  readonly el = h('div', { class: 'camera-strip', 'data-testid': 'camera-strip' });
  readonly handle: CameraPanelsHandle = { shown: new Map(), link: null };
  #panels = new Map<string, Panel>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #disposed = false;
  #status = h('div', { class: 'camera-status', 'data-testid': 'camera-status' });

  constructor(token: string, robotId: string) {
    void robotCameras(token, robotId).then((names) => {
      if (this.#disposed || names.length === 0) return;
      const link = new CameraLink(token, robotId);
      this.handle.link = link;
      link.onCameras = (cams) => this.#layout(cams);
      link.onFrame = (f) => this.#show(f);
      link.onStatus = (ok, reason) => (this.#status.textContent = ok ? '' : reason);
      this.el.append(this.#status);
      this.#timer = setInterval(() => this.#ages(), 100);
    });
  }

  dispose(): void {
    this.#disposed = true;
    this.handle.link?.close();
    if (this.#timer) clearInterval(this.#timer);
    for (const p of this.#panels.values()) if (p.url) URL.revokeObjectURL(p.url);
  }

  #layout(cams: CameraInfo[]): void {
    for (const c of cams) {
      if (this.#panels.has(c.name)) continue;
      const img = h('img', { alt: `camera ${c.name}`, 'data-testid': `camera-img-${c.name}` }) as HTMLImageElement;
      const age = h('span', { class: 'camera-age', 'data-testid': `camera-age-${c.name}`, text: 'no frame yet' });
      const el = h('figure', { class: 'camera-panel', 'data-camera': c.name }, img, h('figcaption', {}, h('span', { text: c.name }), age));
      this.#panels.set(c.name, { el, img, age, url: null, last: null, oldAfterMs: Math.max(OLD_FRAME_MS, 3000 / c.maxRate) });
      this.el.insertBefore(el, this.#status);
    }
  }

  #show(f: LiveCameraFrame): void {
    const p = this.#panels.get(f.camera);
    if (!p) return;
    const url = URL.createObjectURL(new Blob([f.data as Uint8Array<ArrayBuffer>], { type: f.format === 'png' ? 'image/png' : 'image/jpeg' }));
    if (p.url) URL.revokeObjectURL(p.url);
    p.url = url;
    p.img.src = url;
    p.last = f;
    p.el.dataset.seq = String(f.seq);
    this.handle.shown.set(f.camera, (this.handle.shown.get(f.camera) ?? 0) + 1);
    this.#ages();
  }

  #ages(): void {
    const link = this.handle.link;
    if (!link) return;
    for (const p of this.#panels.values()) {
      if (!p.last) continue;
      const age = link.ageMs(p.last);
      p.age.textContent = age < 1000 ? `${Math.round(age)} ms` : `${(age / 1000).toFixed(1)} s`;
      p.age.classList.toggle('old', age > p.oldAfterMs);
    }
  }
}
