import type { Mode } from '../../core/mode.ts';
import type { StateMessage } from '../../protocol/messages.ts';
import { h, fmt } from './dom.ts';

export type PanelAction = 'take_over' | 'hand_back' | 'pause' | 'resume' | 'estop' | 'reset_estop' | 'reset_episode' | 'success' | 'failure' | 'vr';

export const MODE_COLORS: Record<Mode, string> = {
  AUTONOMOUS: '#1565c0',
  INTERVENING: '#ef6c00',
  PAUSED: '#9e8a00',
  ESTOP: '#c62828',
  REWINDING: '#7b3fc4',
};

export interface PanelStats {
  latencyMs: number;
  frameAgeMs: number;
  fps: number;
  gamepad: string;
  xr: string;
}

/** The mode banner, the big control buttons and the measured numbers of the robot view. */
export class ControlPanel {
  readonly banner: HTMLElement;
  readonly side: HTMLElement;
  readonly #buttons = new Map<PanelAction, HTMLButtonElement>();
  readonly #fields = new Map<string, HTMLElement>();

  constructor(onAction: (a: PanelAction) => void, readonly viewer = false) {
    const btn = (a: PanelAction, text: string, cls: string, hint = '') =>
      this.#buttons.set(a, h('button', { type: 'button', class: `big ${cls}`, 'data-testid': a.replace('_', '-'), title: hint, text, onclick: () => onAction(a) })).get(a)!;
    const field = (k: string, label: string) => {
      const v = h('span', { 'data-testid': `stat-${k}`, text: '–' });
      this.#fields.set(k, v);
      return h('div', { class: 'stat' }, h('span', { class: 'muted', text: label }), v);
    };
    this.banner = h('div', { class: 'mode-banner', 'data-testid': 'mode-banner' }, h('strong', { 'data-testid': 'mode', text: 'connecting…' }), h('span', { 'data-testid': 'mode-reason' }), h('span', { 'data-testid': 'lease' }));
    this.side = h(
      'aside',
      { class: 'control-side' },
      viewer ? h('p', { class: 'muted', 'data-testid': 'viewer-note', text: 'Signed in as a viewer: watch only.' }) : null,
      h('div', { class: 'buttons' },
        btn('take_over', 'Take over', 'take', 'Space'),
        btn('hand_back', 'Hand back', 'hand', 'Space'),
        btn('pause', 'Pause', 'pause', 'P'),
        btn('resume', 'Resume', 'pause', 'P'),
        btn('estop', 'E-STOP', 'estop', 'Esc'),
        btn('reset_estop', 'Reset e-stop', 'secondary'),
      ),
      h('div', { class: 'stats' },
        field('rate', 'loop rate (measured)'), field('latency', 'round trip'), field('age', 'state age'),
        field('fps', 'render'), field('episode', 'episode'), field('step', 'step'), field('ee', 'EE (m)'),
        field('gripper', 'gripper'), field('clamped', 'safety clamped'), field('gamepad', 'gamepad'), field('xr', 'VR'),
      ),
      h('div', { class: 'buttons small' },
        btn('success', 'Success', 'ok'), btn('failure', 'Failure', 'bad'), btn('reset_episode', 'New episode', 'secondary'), btn('vr', 'Enter VR', 'secondary'),
      ),
      h('details', { class: 'help' }, h('summary', { text: 'Keys' }),
        h('p', { text: 'Space take over / hand back · Esc e-stop · P pause/resume · W/S x · A/D y · R/F z · U/O roll · I/K pitch · J/L yaw · G gripper · Shift fine · drag the orange target · gamepad: sticks, triggers, A' })),
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
    this.banner.style.background = mode ? MODE_COLORS[mode] : '#444';
    this.banner.dataset.mode = mode ?? '';
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
    // below 90% of the configured rate the loop is flagged (the server judges it: rateOk)
    set('rate', s ? fmt(s.rateHz, 1, ' Hz') + (s.rateOk ? '' : ' (low)') : '–');
    set('latency', fmt(stats.latencyMs, 1, ' ms'));
    set('age', fmt(stats.frameAgeMs, 0, ' ms'));
    set('fps', fmt(stats.fps, 1, ' fps'));
    set('episode', s?.episode ? `${s.episode.id} (seed ${s.episode.seed})` : '–');
    set('step', s?.episode ? String(s.episode.step) : '–');
    set('ee', s ? s.eePos.map((v) => v.toFixed(3)).join(' ') : '–');
    set('gripper', s ? `${(s.gripper * 1000).toFixed(1)} mm` : '–');
    set('clamped', s?.clamped.length ? s.clamped.join(', ') : 'none');
    set('gamepad', stats.gamepad || 'none');
    set('xr', stats.xr);
  }
}
