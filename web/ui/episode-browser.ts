import type { EpisodeFilters, EpisodesApi, EpisodeRowView } from '../net/episodes-api.ts';
import { h } from './dom.ts';

// Filters survive re-mounts (opening an episode re-renders the view).
const remembered: { robotId: string; outcome: string; kind: string; hasInterventions: boolean } = { robotId: '', outcome: '', kind: '', hasInterventions: false };

/** Filters plus a list of recorded episodes; clicking one opens it (#/replay/<id>). */
export function episodeBrowser(api: EpisodesApi, robots: string[], selected: string | null): HTMLElement {
  const robot = h('select', { name: 'robotId', 'data-testid': 'filter-robot' }, h('option', { value: '', text: 'all robots' }), ...robots.map((r) => h('option', { value: r, text: r })));
  const outcome = h('select', { name: 'outcome', 'data-testid': 'filter-outcome' }, ...['', 'success', 'failure', 'timeout', 'aborted', 'unknown'].map((o) => h('option', { value: o, text: o || 'any outcome' })));
  const kind = h('select', { name: 'kind' }, ...['', 'policy', 'demo'].map((o) => h('option', { value: o, text: o || 'any kind' })));
  const intv = h('input', { type: 'checkbox', name: 'hasInterventions', 'data-testid': 'filter-interventions' });
  const list = h('tbody');
  const status = h('p', { class: 'muted', 'data-testid': 'episode-count' });
  robot.value = remembered.robotId;
  outcome.value = remembered.outcome;
  kind.value = remembered.kind;
  intv.checked = remembered.hasInterventions;
  let generation = 0;
  const load = async () => {
    const mine = ++generation; // a slow earlier answer must not overwrite a newer filter's
    Object.assign(remembered, { robotId: robot.value, outcome: outcome.value, kind: kind.value, hasInterventions: intv.checked });
    const f: EpisodeFilters = { robotId: robot.value || undefined, outcome: outcome.value || undefined, kind: kind.value || undefined, limit: 100 };
    if (intv.checked) f.hasInterventions = true;
    status.textContent = 'loading…';
    try {
      const { items, total } = await api.list(f);
      if (mine !== generation) return;
      list.replaceChildren(...items.map((e) => row(e, e.id === selected)));
      status.textContent = `${items.length} of ${total} episodes`;
    } catch (err) {
      if (mine === generation) status.textContent = (err as Error).message;
    }
  };
  for (const el of [robot, outcome, kind, intv]) el.addEventListener('change', () => void load());
  void load();
  return h(
    'div',
    { class: 'episode-browser' },
    h('div', { class: 'filters' }, robot, outcome, kind, h('label', {}, intv, ' with interventions'), h('button', { type: 'button', text: 'Refresh', onclick: () => void load() })),
    status,
    h('table', { class: 'episodes', 'data-testid': 'episode-list' }, h('thead', {}, h('tr', {}, ...['episode', 'robot', 'task', 'outcome', 'steps', 'interv.', 'started'].map((t) => h('th', { text: t })))), list),
  );
}

function row(e: EpisodeRowView, selected: boolean): HTMLTableRowElement {
  const href = `#/replay/${encodeURIComponent(e.id)}`;
  return h(
    'tr',
    {
      class: selected ? 'selected' : '',
      'data-episode': e.id,
      title: `Replay ${e.id}`,
      // the whole row opens the episode, not only its id (the link stays for keyboard and new tabs)
      onclick: (ev) => {
        if ((ev.target as HTMLElement).closest('a')) return;
        location.hash = href;
      },
    },
    // ids are UUIDs: the first 8 characters tell them apart in a list; the full id is the tooltip
    h('td', {}, h('a', { href, text: e.id.length > 12 ? `${e.id.slice(0, 8)}…` : e.id, title: e.id })),
    h('td', { text: e.robotId }),
    h('td', { text: e.task }),
    h('td', { class: `outcome-${e.outcome ?? 'none'}`, text: e.outcome ?? (e.status === 'recording' ? 'recording' : 'not marked') }),
    h('td', { text: String(e.steps) }),
    h('td', { text: String(e.interventionCount) }),
    h('td', { text: shortTime(e.startedAt), title: new Date(e.startedAt).toLocaleString() }),
  );
}

/** Today's episodes by time of day, older ones by date (the full stamp is the tooltip). */
function shortTime(ms: number): string {
  const d = new Date(ms);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleDateString();
}
