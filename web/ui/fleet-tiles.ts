import type { AttentionItem, RobotInfo, StateMessage } from '../../protocol/messages.ts';
import { helpScoresText } from './control-panel.ts';
import { h, fmt } from './dom.ts';

/** What a tile shows of one robot besides its static info. */
export interface TileData {
  state: StateMessage | undefined;
  /** the robot's most urgent attention item */
  top: AttentionItem | undefined;
  /** no fresh frame of the robot (or the link stalled), or its arm link is stale */
  stale: boolean;
  recentSuccess: string;
}

/** Recent success as "k/n" of the outcomes seen. */
export function recentSuccess(outcomes: readonly string[] | undefined): string {
  if (!outcomes || outcomes.length === 0) return '–';
  return `${outcomes.filter((o) => o === 'success').length}/${outcomes.length}`;
}

const policyText = (r: RobotInfo) => (r.policy ? `${r.policy.name}${r.policy.version ? `@${r.policy.version}` : ''}` : 'no policy');

/**
 * The fleet's tiles, one per robot, in the order given (most urgent first): mode (coloured), reason,
 * stale flag, rate against nominal, running policy, open help request, the policy's help scores
 * (novelty / ensemble / risk); keys 1-9 on the first nine.
 */
export class FleetTiles {
  readonly el = h('div', { class: 'fleet-tiles', 'data-testid': 'fleet-table' });
  readonly #tiles = new Map<string, HTMLElement>();
  #order = '';

  constructor(robots: readonly RobotInfo[]) {
    for (const r of robots) {
      const field = (name: string, text = '–') => h('span', { 'data-field': name, text });
      const tile = h(
        'div',
        { class: 'tile', 'data-robot': r.id, 'data-testid': `tile-${r.id}` },
        h('div', { class: 'tile-head' },
          h('kbd', { 'data-field': 'key' }),
          h('a', { href: `#/robot/${encodeURIComponent(r.id)}`, 'data-testid': `open-${r.id}`, text: r.id }),
          h('span', { class: 'mode', 'data-field': 'mode', text: '–' }),
          h('span', { class: 'stale-flag', 'data-field': 'stale', text: 'STALE', hidden: true })),
        h('div', { class: 'tile-reason', 'data-field': 'reason' }),
        h('div', { class: 'tile-help', 'data-field': 'help', hidden: true }),
        h('div', { class: 'tile-figures' },
          field('rate'), ' · ', h('span', { 'data-field': 'policy', text: policyText(r) }), ' · ', field('task', r.task)),
        h('div', { class: 'tile-figures muted' }, field('episode'), ' · success ', field('success'), ' · lease ', field('lease')),
        h('div', { class: 'tile-figures muted' }, 'help score ', field('helpScores')),
      );
      this.#tiles.set(r.id, tile);
      this.el.append(tile);
    }
  }

  /** Puts the tiles in `order` and refreshes each from `data`. */
  update(robots: readonly RobotInfo[], order: readonly string[], data: (id: string) => TileData): void {
    const key = order.join('\u0000');
    if (key !== this.#order) {
      this.#order = key;
      this.el.append(...order.map((id) => this.#tiles.get(id)!).filter(Boolean));
    }
    order.forEach((id, i) => {
      const tile = this.#tiles.get(id);
      const r = robots.find((x) => x.id === id);
      if (tile && r) this.#fill(tile, r, data(id), i);
    });
  }

  #fill(tile: HTMLElement, r: RobotInfo, d: TileData, index: number): void {
    const set = (f: string, v: string) => {
      const el = tile.querySelector<HTMLElement>(`[data-field="${f}"]`)!;
      if (el.textContent !== v) el.textContent = v;
      return el;
    };
    const s = d.state;
    set('key', index < 9 ? String(index + 1) : '');
    set('mode', s?.mode ?? '–');
    tile.dataset.mode = s?.mode ?? '';
    tile.dataset.urgency = d.top?.kind ?? 'none';
    set('reason', d.top?.reason ?? (s && s.mode !== 'AUTONOMOUS' ? s.modeReason : ''));
    tile.querySelector<HTMLElement>('[data-field="stale"]')!.hidden = !d.stale;
    tile.dataset.stale = String(d.stale);
    const help = d.top?.kind === 'help' ? d.top.help : s?.help;
    // a robot that carries on while it asks may recover before anyone comes: the queue puts it last
    set('help', help ? `asks for help: ${help.reason}${help.over === false ? ' (score back under threshold)' : ''}` : '').hidden = !help;
    // below 90% of the configured rate the loop is flagged (the server judges it: rateOk)
    set('rate', s ? `${fmt(s.rateHz, 1)} / ${fmt(r.controlRateHz, 0)} Hz${s.rateOk ? '' : ' (low)'}` : '–');
    set('episode', s?.episode ? `${s.episode.id.slice(0, 8)} · step ${s.episode.step}` : '–');
    set('success', d.recentSuccess);
    set('lease', s?.lease ?? '–');
    set('helpScores', helpScoresText(s ? { helpScore: s.helpScore ?? null, helpEnsembleScore: s.helpEnsembleScore ?? null, helpRiskScore: s.helpRiskScore ?? null } : null));
  }
}
