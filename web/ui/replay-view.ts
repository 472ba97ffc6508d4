import type { ConsoleSession } from '../app/console-session.ts';
import { EpisodesApi } from '../net/episodes-api.ts';
import { h, type View } from './dom.ts';
import { episodeBrowser } from './episode-browser.ts';
import { replayPlayer, type ReplayHandle } from './replay-player.ts';

/** Replay: the episode browser beside the player of the selected episode. */
export function replayView(session: ConsoleSession, episodeId: string | null, expose: (r: ReplayHandle | null) => void): View {
  const api = new EpisodesApi(session.token);
  const player = episodeId ? replayPlayer(session, api, episodeId, expose) : null;
  const el = h(
    'section',
    { class: 'replay-view' },
    h('div', { class: 'replay-side' }, h('h2', { text: 'Episodes' }), episodeBrowser(api, session.info.robots.map((r) => r.id), episodeId)),
    player?.el ?? h('div', { class: 'replay-player empty' }, h('p', { class: 'muted', text: 'Pick an episode to replay it.' })),
  );
  return { el, dispose: () => player?.dispose() };
}
