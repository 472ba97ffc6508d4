import type { Mode } from '../../core/mode.ts';
import type { HelpScores, StateMessage } from '../../protocol/messages.ts';
import { h, fmt } from './dom.ts';

export type PanelAction = 'take_over' | 'hand_back' | 'pause' | 'resume' | 'estop' | 'reset_estop' | 'reset_episode' | 'success' | 'failure' | 'vr';

export const MODE_COLORS: Record<Mode, string> = {
  AUTONOMOUS: '#1565c0',
  INTERVENING: '#ef6c00',
  PAUSED: '#9e8a00',
  ESTOP: '#c62828',
  REWINDING: '#7b3fc4',
};

/** The banner's colour when the state on screen is stale: grey, whatever the last mode was. */
export const STALE_COLOR = '#5b5f66';

/** The keys, one per line: always visible, never collapsed. */
export const KEY_LIST: Array<[string, string]> = [
  ['Esc', 'E-STOP (whatever has focus)'], ['Space', 'take over / hand back'], ['P', 'pause / resume'],
  ['W / S', 'EE ±x (red handle)'], ['A / D', 'EE ±y (green handle)'], ['R / F', 'EE ±z (blue handle)'],
  ['U / O', 'roll'], ['I / K', 'pitch'], ['J / L', 'yaw'], ['G', 'gripper open / close'], ['Shift', 'fine (half speed)'],
  ['T', 'gizmo: translate / rotate'], ['mouse', 'drag the orange target (arrows: base frame X red, Y green, Z blue)'], ['gamepad', 'sticks, triggers, A'],
];

export interface PanelStats {
  /** the robot's newest state is older than two ticks, or the link stalled */
  stale: boolean;
  /** ms since the newest state arrived */
  staleAgeMs: number;
  latencyMs: number;
  frameAgeMs: number;
  fps: number;
  gamepad: string;
  xr: string;
  /** the policy's help scores from the robot's REST status (null: not fetched yet) */
  helpScores: HelpScores | null;
}

/** The policy's help scores as the panel shows them: "novelty / ensemble", then "/ risk" for a version with a failure-risk model; '–' for one the version lacks. */
export function helpScoresText(h: HelpScores | null): string {
  const risk = h?.helpRiskScore ?? null;
  if (!h || (h.helpScore === null && h.helpEnsembleScore === null && risk === null)) return '–';
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(3));
  return `${f(h.helpScore)} / ${f(h.helpEnsembleScore)}${risk === null ? '' : ` / risk ${f(risk)}`}`;
}

/** The mode banner, the big control buttons and the measured numbers of the robot view. */
export class ControlPanel {
  readonly banner: HTMLElement;
  readonly side: HTMLElement;
  readonly #buttons = new Map<PanelAction, HTMLButtonElement>();
  readonly #fields = new Map<string, HTMLElement>();

  /** "Heartbeat lost - Resume": shown while the server holds the arm for our lost heartbeat */
  readonly heartbeatLost: HTMLElement;

  constructor(onAction: (a: PanelAction) => void, readonly viewer = false, readonly configuredRateHz = 0, policy: { name: string; version: string | null } | null = null) {
    const btn = (a: PanelAction, text: string, cls: string, hint = '') =>
      this.#buttons.set(a, h('button', { type: 'button', class: `big ${cls}`, 'data-testid': a.replace('_', '-'), title: hint, text, onclick: () => onAction(a) })).get(a)!;
    const field = (k: string, label: string) => {
      const v = h('span', { 'data-testid': `stat-${k}`, text: '–' });
      this.#fields.set(k, v);
      return h('div', { class: 'stat' }, h('span', { class: 'muted', text: label }), v);
    };
    this.banner = h('div', { class: 'mode-banner', 'data-testid': 'mode-banner', 'data-stale': 'false' },
      h('span', { class: 'stale-tag', 'data-testid': 'stale', hidden: true }), h('strong', { 'data-testid': 'mode', text: 'connecting…' }),
      h('span', { 'data-testid': 'mode-reason' }), h('span', { 'data-testid': 'lease' }),
      h('span', { 'data-testid': 'policy', text: policy ? `policy ${policy.name}${policy.version ? ` v${policy.version}` : ''}` : 'no policy' }));
    this.heartbeatLost = h('div', { class: 'overlay heartbeat-lost', 'data-testid': 'heartbeat-lost', hidden: true, role: 'alert' },
      h('span', { text: 'Heartbeat lost - the robot paused' }),
      h('button', { type: 'button', 'data-testid': 'heartbeat-resume', text: 'Resume', onclick: () => onAction('resume') }));
    this.side = h(
      'aside',
      { class: 'control-side' },
      viewer ? h('p', { class: 'muted', 'data-testid': 'viewer-note', text: 'Signed in as a viewer: watch only.' }) : null,
      h('div', { class: 'buttons' },
        // E-STOP first: the top of the panel is on screen at every size
        btn('estop', 'E-STOP', 'estop', 'Esc'),
        btn('take_over', 'Take over', 'take', 'Space'),
        btn('hand_back', 'Hand back', 'hand', 'Space'),
        btn('pause', 'Pause', 'pause', 'P'),
        btn('resume', 'Resume', 'pause', 'P'),
        btn('reset_estop', 'Reset e-stop', 'secondary'),
      ),
      h('div', { class: 'stats' },
        field('rate', 'loop rate (measured / configured)'), field('latency', 'round trip'), field('age', 'state age'),
        field('fps', 'render'), field('episode', 'episode'), field('step', 'step'), field('ee', 'EE (m)'),
        field('gripper', 'gripper'), field('clamped', 'safety clamped'), field('help', 'help score (novelty / ensemble / risk)'), field('gamepad', 'gamepad'), field('xr', 'VR'),
      ),
      h('div', { class: 'buttons small' },
        btn('success', 'Success', 'ok'), btn('failure', 'Failure', 'bad'), btn('reset_episode', 'New episode', 'secondary'), btn('vr', 'Enter VR', 'secondary'),
      ),
      h('div', { class: 'help' }, h('div', { class: 'muted', text: 'Keys' }),
        h('dl', { class: 'keys', 'data-testid': 'key-list' }, ...KEY_LIST.flatMap(([k, what]) => [h('dt', {}, h('kbd', { text: k })), h('dd', { style: 'margin:0', text: what })]))),
    );
  }

  /** Refreshes the banner, which buttons apply, and the numbers. */
  update(s: StateMessage | undefined, holdsLease: boolean, stats: PanelStats): void {
    const mode = s?.mode;
    const set = (k: string, v: string) => {
      const el = this.#fields.get(k)!;
      if (el.textContent !== v) el.textContent = v;
    };
    const modeEl = this.banner.querySelector<HTMLElement>('[data-testid="mode"]')!;
    if (modeEl.textContent !== (mode ?? 'no state')) modeEl.textContent = mode ?? 'no state';
    // a stale picture must not look live: grey, STALE, the last mode struck through
    const staleTag = this.banner.querySelector<HTMLElement>('[data-testid="stale"]')!;
    staleTag.hidden = !stats.stale;
    const staleText = `STALE${Number.isFinite(stats.staleAgeMs) ? ` (${(stats.staleAgeMs / 1000).toFixed(1)} s)` : ''}`;
    if (stats.stale && staleTag.textContent !== staleText) staleTag.textContent = staleText;
    this.banner.dataset.stale = String(stats.stale);
    this.banner.style.background = stats.stale ? STALE_COLOR : mode ? MODE_COLORS[mode] : '#444';
    this.banner.dataset.mode = mode ?? '';
    this.heartbeatLost.hidden = !(holdsLease && mode === 'PAUSED' && s?.modeReason === 'heartbeat_timeout');
    this.banner.querySelector('[data-testid="mode-reason"]')!.textContent = s?.modeReason ?? '';
    this.banner.querySelector('[data-testid="lease"]')!.textContent = s?.lease ? `lease: ${s.lease}${holdsLease ? ' (you)' : ''}` : 'no lease';
    const show = (a: PanelAction, on: boolean) => (this.#buttons.get(a)!.hidden = !on || (this.viewer && a !== 'vr'));
    for (const a of ['estop', 'success', 'failure', 'reset_episode'] as const) show(a, true);
    show('take_over', !holdsLease);
    show('hand_back', holdsLease);
    show('pause', mode !== 'PAUSED');
    show('resume', mode === 'PAUSED');
    show('reset_estop', mode === 'ESTOP');
    this.#buttons.get('take_over')!.disabled = mode === 'ESTOP' || mode === 'REWINDING';
    // below 90% of the configured rate the loop is flagged red (the server judges it: rateOk)
    const of = this.configuredRateHz > 0 ? ` / ${fmt(this.configuredRateHz, 0, ' Hz')}` : '';
    set('rate', s ? fmt(s.rateHz, 1, '') + of + (s.rateOk ? '' : ' (low)') : '–');
    this.#fields.get('rate')!.parentElement!.classList.toggle('bad', !!s && !s.rateOk);
    set('latency', fmt(stats.latencyMs, 1, ' ms'));
    set('age', fmt(stats.frameAgeMs, 0, ' ms'));
    set('fps', fmt(stats.fps, 1, ' fps'));
    set('episode', s?.episode ? `${s.episode.id} (seed ${s.episode.seed})` : '–');
    set('step', s?.episode ? String(s.episode.step) : '–');
    set('ee', s ? s.eePos.map((v) => v.toFixed(3)).join(' ') : '–');
    set('gripper', s ? `${(s.gripper * 1000).toFixed(1)} mm` : '–');
    set('clamped', s?.clamped.length ? s.clamped.join(', ') : 'none');
    set('help', helpScoresText(stats.helpScores));
    set('gamepad', stats.gamepad || 'none');
    set('xr', stats.xr);
  }
}
