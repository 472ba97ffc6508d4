import type { ConsoleSession } from '../app/console-session.ts';
import { routeHash } from '../app/router.ts';
import { EpisodesApi } from '../net/episodes-api.ts';
import { ConsoleScene } from '../scene/console-scene.ts';
import { labelPoint, onRobotClick, robotLabel } from '../scene/robot-picker.ts';
import type { AttentionItem } from '../../protocol/messages.ts';
import { h, fmt, type View } from './dom.ts';
import { commandFleet } from './fleet-actions.ts';
import { AlertSound, alertText, newAlerts } from './fleet-alerts.ts';
import { tileOrder, topItems } from './fleet-order.ts';
import { FleetTiles, recentSuccess } from './fleet-tiles.ts';
import { applyState } from './robot-sync.ts';

/** Where the i-th robot of the fleet stands in the overview (MuJoCo frame, m). */
export function fleetOffset(i: number, n: number): [number, number, number] {
  const cols = Math.ceil(Math.sqrt(n));
  return [Math.floor(i / cols) * 2.0, (i % cols) * 2.0, 0];
}

/** What the fleet view exposes for browser tests (window.__takeover.fleet). */
export interface FleetViewHandle {
  /** the tile order, most urgent first */
  order(): string[];
  /** where a robot's label is on the page, client pixels */
  labelPoint(id: string): { x: number; y: number } | null;
}

const SOUND_KEY = 'takeover.alertSound';
/** alerts stay on screen this long, ms */
const ALERT_MS = 15_000;

/**
 * All robots, led by the attention queue: tiles sorted by urgency, alerts as things go wrong,
 * keys 1-9 to open the first nine, a fleet-wide e-stop and pause, and a 3D overview whose labelled
 * arms open on a click.
 */
export function fleetView(session: ConsoleSession, expose: (h: FleetViewHandle | null) => void = () => {}): View {
  const robots = session.info.robots;
  const ids = robots.map((r) => r.id);
  const tiles = new FleetTiles(robots);
  const alerts = h('div', { class: 'fleet-alerts', 'data-testid': 'fleet-alerts', 'aria-live': 'assertive' });
  const operator = session.info.operator.role !== 'viewer';
  const actionNote = h('span', { class: 'muted', 'data-testid': 'fleet-action-result' });
  const fleetCommand = async (type: 'estop' | 'pause') => {
    actionNote.textContent = `${type === 'estop' ? 'e-stop' : 'pause'}: sending to ${ids.length} robots…`;
    const r = await commandFleet(session, type, ids);
    actionNote.textContent = `${type === 'estop' ? 'e-stop' : 'pause'}: ${r.acked.length}/${ids.length} acknowledged` + (r.failed.length ? `; not: ${r.failed.map((f) => `${f.robot} (${f.message})`).join(', ')}` : '');
    if (r.failed.length && type === 'estop') session.notice('error', `fleet e-stop not acknowledged by ${r.failed.map((f) => f.robot).join(', ')}`);
  };
  const sound = new AlertSound();
  const soundBox = h('input', { type: 'checkbox', 'data-testid': 'alert-sound' });
  soundBox.checked = localStorage.getItem(SOUND_KEY) === 'on'; // off unless the operator turned it on
  soundBox.addEventListener('change', () => localStorage.setItem(SOUND_KEY, soundBox.checked ? 'on' : 'off'));
  const toolbar = h('div', { class: 'fleet-toolbar' },
    h('button', { class: 'danger', 'data-testid': 'estop-all', disabled: !operator, title: 'one e-stop per robot, each acknowledged', onclick: () => void fleetCommand('estop'), text: 'E-STOP ALL' }),
    h('button', { 'data-testid': 'pause-all', disabled: !operator, onclick: () => void fleetCommand('pause'), text: 'Pause all' }),
    h('label', { class: 'muted' }, soundBox, ' alert sound'),
    actionNote);
  const queueNote = h('span', { 'data-testid': 'attention-count', text: '' });
  const sceneBox = h('div', { class: 'scene fleet-scene' });
  const fpsEl = h('span', { 'data-testid': 'fps', text: '–' });
  const el = h('section', { class: 'fleet-view' },
    h('div', { class: 'fleet-side' },
      h('h2', {}, `Fleet (${robots.length}) `, queueNote), toolbar, alerts, tiles.el,
      h('p', { class: 'muted' }, 'keys 1-9 open the first nine tiles · render ', fpsEl, ' fps')),
    sceneBox);

  const scene = new ConsoleScene(sceneBox);
  // at most a third of the page's time goes to drawing the overview: clicks, keys and frames keep up
  scene.idleShare = 2;
  robots.forEach((r, i) => scene.addRobot(r.id, r.model, fleetOffset(i, robots.length)).base.add(robotLabel(r.id)));
  const far = fleetOffset(robots.length - 1, robots.length);
  scene.frame([far[0] / 2 + 0.3, far[1] / 2, 0.2], 1.8 + 1.2 * Math.max(far[0], far[1]));
  const open = (id: string) => (location.hash = routeHash({ name: 'robot', id }));
  const offClick = onRobotClick(scene, open);
  const lastSeq = new Map<string, number>();
  const offFrame = scene.onBeforeRender(() => {
    for (const r of robots) {
      const s = session.states.get(r.id);
      const slot = scene.robots.get(r.id);
      if (s && slot) applyState(slot, r, s, lastSeq);
    }
  });

  let order = tileOrder(ids, session.attention);
  const refresh = () => {
    order = tileOrder(ids, session.attention);
    const top = topItems(session.attention);
    tiles.update(robots, order, (id) => ({
      state: session.states.get(id),
      top: top.get(id),
      stale: session.freshness(id).stale || session.attention.some((i) => i.robot === id && i.kind === 'stale'),
      recentSuccess: recentSuccess(session.outcomes.get(id)),
    }));
    const n = session.attention.length;
    queueNote.textContent = n ? `· ${n} need${n === 1 ? 's' : ''} attention` : '· all well';
    fpsEl.textContent = fmt(scene.fps.fps, 1);
  };

  let seen: AttentionItem[] = session.attention;
  const alert = (items: AttentionItem[]) => {
    const fresh = newAlerts(seen, items);
    seen = items;
    refresh();
    if (!fresh.length) return;
    for (const i of fresh) {
      const line = h('div', { class: `fleet-alert alert-${i.kind}`, 'data-kind': i.kind, 'data-robot': i.robot, text: alertText(i) });
      line.addEventListener('click', () => open(i.robot));
      alerts.prepend(line);
      setTimeout(() => line.remove(), ALERT_MS);
    }
    while (alerts.children.length > 6) alerts.lastElementChild!.remove();
    el.classList.remove('flash');
    void el.offsetWidth; // restart the flash animation
    el.classList.add('flash');
    if (soundBox.checked) sound.beep(fresh.some((i) => i.kind === 'estop'));
  };
  // what already needed attention when the view opened alerts too: the operator has not seen it here
  if (seen.length) {
    const initial = seen;
    seen = [];
    alert(initial);
  }
  const offAttention = session.on('attention', alert);

  const onKey = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement | null)?.closest?.('input, textarea, select')) return;
    const n = Number(e.key);
    if (Number.isInteger(n) && n >= 1 && n <= 9 && order[n - 1]) {
      e.preventDefault();
      open(order[n - 1]);
    }
  };
  document.addEventListener('keydown', onKey);

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
  expose({ order: () => [...order], labelPoint: (id) => labelPoint(scene, id) });
  return {
    el,
    dispose: () => {
      clearInterval(timer);
      document.removeEventListener('keydown', onKey);
      offAttention();
      offClick();
      offFrame();
      sound.close();
      expose(null);
      scene.dispose();
    },
  };
}
