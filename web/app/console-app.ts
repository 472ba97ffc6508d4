import { fleetView, type FleetViewHandle } from '../ui/fleet-view.ts';
import { h, type View } from '../ui/dom.ts';
import type { ReplayHandle } from '../ui/replay-player.ts';
import { replayView } from '../ui/replay-view.ts';
import { robotView, type RobotViewHandle } from '../ui/robot-view.ts';
import { signInView } from '../ui/sign-in-view.ts';
import { ConsoleSession } from './console-session.ts';
import { parseRoute } from './router.ts';

/** What the console exposes on `window.__takeover` for browser tests and debugging. */
export interface ConsoleHandle {
  session: ConsoleSession | null;
  robotView: RobotViewHandle | null;
  replay: ReplayHandle | null;
  fleet: FleetViewHandle | null;
  route: string;
}

/** The console shell: sign-in, then hash-routed fleet / robot / replay views. */
export class ConsoleApp {
  readonly handle: ConsoleHandle = { session: null, robotView: null, replay: null, fleet: null, route: '' };
  #view: View | null = null;
  readonly #notices: HTMLElement;

  constructor(readonly root: HTMLElement, readonly conn: HTMLElement, readonly signOut: HTMLButtonElement) {
    this.#notices = h('div', { class: 'notices', 'data-testid': 'notices' });
    document.body.append(this.#notices);
    setInterval(() => this.#watchLink(), 100);
    window.addEventListener('hashchange', () => this.render());
    signOut.addEventListener('click', () => {
      sessionStorage.removeItem('takeover.token');
      this.handle.session?.close();
      this.handle.session = null;
      this.render();
    });
  }

  /** Signs in with a stored or `?token=` token if there is one, else shows the sign-in form. */
  async start(): Promise<void> {
    const fromUrl = new URLSearchParams(location.search).get('token');
    const token = fromUrl ?? sessionStorage.getItem('takeover.token');
    if (token) {
      try {
        this.#adopt(await ConsoleSession.signIn(token));
        sessionStorage.setItem('takeover.token', token);
      } catch (err) {
        this.#mount(signInView((s) => this.#adopt(s), `Sign-in failed: ${(err as Error).message}`));
        return;
      }
    }
    this.render();
  }

  render(): void {
    const s = this.handle.session;
    this.signOut.hidden = !s;
    if (!s) {
      this.#mount(signInView((ns) => this.#adopt(ns)));
      return;
    }
    const r = parseRoute(location.hash);
    this.handle.route = r.name;
    for (const a of document.querySelectorAll<HTMLElement>('[data-nav]')) a.classList.toggle('active', a.dataset.nav === r.name);
    if (r.name === 'robot') this.#mount(robotView(s, r.id, (v) => (this.handle.robotView = v)));
    else if (r.name === 'replay') this.#mount(replayView(s, r.episodeId, (v) => (this.handle.replay = v)));
    else this.#mount(fleetView(s, (v) => (this.handle.fleet = v)));
  }

  /** Shows a notice; a repeat of a visible one bumps its count instead of stacking (at most 4 shown). */
  notify(level: 'info' | 'error', text: string): void {
    const same = [...this.#notices.children].find((c) => (c as HTMLElement).dataset.text === text) as HTMLElement | undefined;
    const n = same ?? h('div', { class: `notice ${level}`, 'data-text': text, text });
    if (same) {
      const count = Number(same.dataset.count ?? '1') + 1;
      same.dataset.count = String(count);
      same.textContent = `${text} (×${count})`;
      clearTimeout(Number(same.dataset.timer));
    } else {
      this.#notices.append(n);
      while (this.#notices.children.length > 4) this.#notices.firstElementChild!.remove();
    }
    n.dataset.timer = String(setTimeout(() => n.remove(), level === 'error' ? 6000 : 2500));
  }

  #adopt(s: ConsoleSession): void {
    this.handle.session = s;
    this.conn.textContent = `${s.info.operator.id} (${s.info.operator.role})`;
    this.conn.className = 'conn conn-on';
    this.conn.dataset.link = 'live';
    s.on('notice', (n) => this.notify(n.level, n.text));
    s.on('closed', (c) => {
      this.conn.textContent = `disconnected (${c.code}), reconnecting…`;
      this.conn.className = 'conn conn-off';
      this.conn.dataset.link = 'closed';
      this.notify('error', `connection closed: ${c.reason || c.code}`);
      if (this.handle.session === s) void this.#reconnect(s.token);
    });
    this.render();
  }

  /** Signs in again with the same token, backing off to 5 s; a bad token ends at the sign-in form. */
  async #reconnect(token: string): Promise<void> {
    for (let delay = 500; ; delay = Math.min(5000, delay * 2)) {
      await new Promise((r) => setTimeout(r, delay));
      if (!this.handle.session || this.handle.session.token !== token) return; // signed out meanwhile
      try {
        this.#adopt(await ConsoleSession.signIn(token));
        return;
      } catch (err) {
        if ((err as { code?: string }).code === 'TKO_ERR_UNAUTHENTICATED') {
          this.handle.session = null;
          this.render();
          return;
        }
      }
    }
  }

  /** The pill turns red while the open socket is silent (a stalled server or network looks live otherwise). */
  #watchLink(): void {
    const s = this.handle.session;
    if (!s || this.conn.dataset.link === 'closed') return;
    const stalled = s.client.isOpen && s.linkStalled();
    const who = `${s.info.operator.id} (${s.info.operator.role})`;
    const text = stalled ? `${who} · STALLED: no data for ${(s.client.silentMs() / 1000).toFixed(1)} s` : who;
    if (this.conn.textContent !== text) this.conn.textContent = text;
    this.conn.className = `conn ${stalled ? 'conn-stalled' : 'conn-on'}`;
    this.conn.dataset.link = stalled ? 'stalled' : 'live';
  }

  #mount(v: View): void {
    this.#view?.dispose();
    this.#view = v;
    this.root.replaceChildren(v.el);
  }
}
