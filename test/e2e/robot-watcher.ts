import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage } from '../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../../protocol/messages.ts';

type State = Extract<ServerMessage, { type: 'state' }>;
export interface WatchedEvent { type: string; [k: string]: unknown }

/**
 * What a robot looks like from outside: a viewer subscribed over the real protocol keeps the
 * latest state frame and the events. The control loops run on their own thread, so tests read the
 * robot the way every client does.
 */
export class RobotWatcher {
  mode = 'AUTONOMOUS';
  lease: string | null = null;
  source = 'none';
  seq = -1;
  obs: { q: number[]; eePos: number[]; gripper: number } | null = null;
  episode: { id: string; step: number } | null = null;
  #ws: WebSocket;
  #tick: Array<(w: RobotWatcher) => void> = [];
  #event: Array<(e: WatchedEvent) => void> = [];

  private constructor(ws: WebSocket, robot: string) {
    this.#ws = ws;
    ws.on('message', (data: Buffer) => {
      const d = decodeServerMessage(new Uint8Array(data));
      if (!d.ok) return;
      const m = d.msg;
      if (m.type === 'state' && m.robot === robot) this.#state(m);
      else if (m.type === 'event' && m.robot === robot) {
        // mode events move the mirror at once (frames follow with the next tick)
        if (m.event === 'mode') {
          this.mode = String(m.data.mode);
          this.lease = (m.data.lease as string | null) ?? null;
        }
        for (const fn of this.#event) fn({ type: m.event, ...m.data });
      }
    });
  }

  /** Signs in with a (viewer) token and subscribes to `robot`; resolves with the first frame. */
  static async connect(wsUrl: string, token: string, robot: string): Promise<RobotWatcher> {
    const ws = new WebSocket(`${wsUrl}?token=${encodeURIComponent(token)}`);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const w = new RobotWatcher(ws, robot);
    const send = (m: ClientMessage) => ws.send(encodeMessage(m));
    send({ type: 'hello', protocol: PROTOCOL_VERSION });
    send({ type: 'subscribe', robots: [robot] });
    await new Promise<void>((resolve) => w.on('tick', () => resolve()));
    return w;
  }

  #state(m: State): void {
    this.mode = m.mode;
    this.lease = m.lease;
    this.source = m.source;
    this.seq = m.seq;
    this.obs = { q: m.q, eePos: m.eePos, gripper: m.gripper };
    this.episode = m.episode ? { id: m.episode.id, step: m.episode.step } : null;
    for (const fn of this.#tick) fn(this);
  }

  on(kind: 'tick', fn: (w: RobotWatcher) => void): void;
  on(kind: 'event', fn: (e: WatchedEvent) => void): void;
  on(kind: 'tick' | 'event', fn: ((w: RobotWatcher) => void) | ((e: WatchedEvent) => void)): void {
    if (kind === 'tick') this.#tick.push(fn as (w: RobotWatcher) => void);
    else this.#event.push(fn as (e: WatchedEvent) => void);
  }

  close(): void {
    this.#ws.close();
  }
}
