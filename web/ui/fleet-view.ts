import type { ConsoleSession } from '../app/console-session.ts';
import { EpisodesApi } from '../net/episodes-api.ts';
import { ConsoleScene } from '../scene/console-scene.ts';
import { h, fmt, type View } from './dom.ts';
import { applyState } from './robot-sync.ts';

/** Where the i-th robot of the fleet stands in the overview (MuJoCo frame, m). */
export function fleetOffset(i: number, n: number): [number, number, number] {
  const cols = Math.ceil(Math.sqrt(n));
  return [Math.floor(i / cols) * 2.0, (i % cols) * 2.0, 0];
}

/** Recent success as "k/n" of the outcomes seen. */
export function recentSuccess(outcomes: readonly string[] | undefined): string {
  if (!outcomes || outcomes.length === 0) return '–';
  return `${outcomes.filter((o) => o === 'success').length}/${outcomes.length}`;
}

/** All robots: a table (mode, episode, recent success, lease holder, loop rate) and a 3D overview. */
export function fleetView(session: ConsoleSession): View {
  const robots = session.info.robots;
  const body = h('tbody');
  const rows = new Map<string, HTMLTableRowElement>();
  for (const r of robots) {
    const row = h('tr', { 'data-robot': r.id });
    row.append(
      h('td', {}, h('a', { href: `#/robot/${encodeURIComponent(r.id)}`, 'data-testid': `open-${r.id}`, text: r.id })),
      h('td', { text: r.task }),
      h('td', { class: 'mode', 'data-field': 'mode', text: '–' }),
      h('td', { 'data-field': 'episode', text: '–' }),
      h('td', { 'data-field': 'success', text: '–' }),
      h('td', { 'data-field': 'lease', text: '–' }),
      h('td', { 'data-field': 'rate', text: '–' }),
      h('td', { text: r.policy ? `${r.policy.name}${r.policy.version ? `@${r.policy.version}` : ''}` : '–' }),
    );
    rows.set(r.id, row);
    body.append(row);
  }
  const table = h(
    'table',
    { class: 'fleet', 'data-testid': 'fleet-table' },
    h('thead', {}, h('tr', {}, ...['robot', 'task', 'mode', 'episode', 'recent success', 'lease', 'loop rate', 'policy'].map((t) => h('th', { text: t })))),
    body,
  );
  const sceneBox = h('div', { class: 'scene fleet-scene' });
  const fpsEl = h('span', { 'data-testid': 'fps', text: '–' });
  const el = h('section', { class: 'fleet-view' }, h('div', { class: 'fleet-side' }, h('h2', { text: `Fleet (${robots.length})` }), table, h('p', { class: 'muted' }, 'render ', fpsEl, ' fps')), sceneBox);

  const scene = new ConsoleScene(sceneBox);
  robots.forEach((r, i) => scene.addRobot(r.id, r.model, fleetOffset(i, robots.length)));
  const far = fleetOffset(robots.length - 1, robots.length);
  scene.frame([far[0] / 2 + 0.3, far[1] / 2, 0.2], 1.8 + 1.2 * Math.max(far[0], far[1]));
  const lastSeq = new Map<string, number>();
  const offFrame = scene.onBeforeRender(() => {
    for (const r of robots) {
      const s = session.states.get(r.id);
      const slot = scene.robots.get(r.id);
      if (s && slot) applyState(slot, r, s, lastSeq);
    }
  });

  const refresh = () => {
    for (const r of robots) {
      const s = session.states.get(r.id);
      const row = rows.get(r.id)!;
      const set = (f: string, v: string) => {
        const td = row.querySelector<HTMLElement>(`[data-field="${f}"]`)!;
        if (td.textContent !== v) td.textContent = v;
      };
      set('mode', s?.mode ?? '–');
      row.dataset.mode = s?.mode ?? '';
      set('episode', s?.episode ? `${s.episode.id.slice(0, 8)} · step ${s.episode.step}` : '–');
      set('success', recentSuccess(session.outcomes.get(r.id)));
      set('lease', s?.lease ?? '–');
      // below 90% of the configured rate the loop is flagged (the server judges it: rateOk)
      set('rate', s ? fmt(s.rateHz, 1, ' Hz') + (s.rateOk ? '' : ' (low)') : '–');
    }
    fpsEl.textContent = fmt(scene.fps.fps, 1);
  };
  // Recent success starts from the catalog (if the server records), then follows episode_end events.
  const api = new EpisodesApi(session.token);
  for (const r of robots) {
    if (session.outcomes.has(r.id)) continue;
    api.list({ robotId: r.id, limit: 10 }).then(
      ({ items }) => {
        if (session.outcomes.has(r.id)) return;
        const done = items.filter((e) => e.outcome !== null).map((e) => e.outcome as string);
        session.outcomes.set(r.id, done.reverse());
      },
      () => {}, // no recordings on this server: events only
    );
  }
  const timer = setInterval(refresh, 250);
  refresh();
  return {
    el,
    dispose: () => {
      clearInterval(timer);
      offFrame();
      scene.dispose();
    },
  };
}
