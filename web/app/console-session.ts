import type { AttentionItem, RobotInfo, StateMessage } from '../../protocol/messages.ts';
import type { FleetInfo } from '../../protocol/fleet-models.ts';
import { Emitter } from '../net/emitter.ts';
import { robotFreshness, staleAfterMs, stallAfterMs, type Freshness } from '../net/link-health.ts';
import { TakeoverClient, type EventMessage } from '../net/takeover-client.ts';
import type { TransportFactory } from '../net/transport.ts';

export interface SessionEvents extends Record<string, unknown> {
  state: StateMessage;
  event: EventMessage;
  notice: { level: 'info' | 'error'; text: string };
  attention: AttentionItem[];
  closed: { code: number; reason: string };
}

/** Commands that only ever stop or hold the arm: worth sending even on a stale picture. */
const HOLDS_THE_ARM = new Set(['estop', 'pause', 'take_over']);

/**
 * How long an outcome mark for a named episode waits for a live picture before it is refused (ms):
 * the person judged the episode seconds ago (the mark's grace), and the server refuses it if that
 * episode has ended meanwhile, so a hiccup of the link need not cost the verdict.
 */
const MARK_PATIENCE_MS = 5000;

/** Outcomes kept per robot for the fleet's "recent success". */
const RECENT = 10;

/**
 * A signed-in console: the client, the server's info, the latest state of every robot and the
 * recent episode outcomes. Views read from it and listen to it; only it talks to the client.
 */
export class ConsoleSession extends Emitter<SessionEvents> {
  readonly states = new Map<string, StateMessage>();
  readonly outcomes = new Map<string, string[]>();
  /** the server's attention queue, most urgent first */
  attention: AttentionItem[] = [];
  /** wall-clock ms of the last state frame per robot */
  readonly lastFrameAt = new Map<string, number>();
  /** performance.now() of the last state frame per robot (freshness; immune to clock steps) */
  readonly #receivedAt = new Map<string, number>();

  private constructor(readonly client: TakeoverClient, readonly info: FleetInfo, readonly token: string) {
    super();
    client.on('state', (s) => {
      this.states.set(s.robot, s);
      this.lastFrameAt.set(s.robot, Date.now());
      this.#receivedAt.set(s.robot, performance.now());
      this.emit('state', s);
    });
    client.on('event', (e) => {
      if (e.event === 'episode_end' && typeof e.data.outcome === 'string') {
        const list = this.outcomes.get(e.robot) ?? [];
        list.push(e.data.outcome);
        if (list.length > RECENT) list.shift();
        this.outcomes.set(e.robot, list);
      }
      this.emit('event', e);
    });
    client.on('attention', (a) => {
      this.attention = a.items;
      this.emit('attention', a.items);
    });
    client.on('error', (e) => this.emit('notice', { level: 'error', text: `${e.code}: ${e.message}` }));
    client.on('close', (c) => this.emit('closed', c));
  }

  /** Connects to the server's WebSocket, signs in with the token and subscribes to every robot. */
  static async signIn(token: string, { url = defaultWsUrl(), transportFactory }: { url?: string; transportFactory?: TransportFactory } = {}): Promise<ConsoleSession> {
    const client = new TakeoverClient(transportFactory ? { transportFactory } : {});
    const info = await client.connect(url, token);
    const session = new ConsoleSession(client, info, token);
    client.subscribe('*');
    return session;
  }

  get operatorId(): string {
    return this.info.operator.id;
  }

  robot(id: string): RobotInfo | undefined {
    return this.info.robots.find((r) => r.id === id);
  }

  /** True when this operator holds the robot's control lease. */
  holdsLease(robotId: string): boolean {
    return this.states.get(robotId)?.lease === this.operatorId;
  }

  /** Shows a notice to the operator (views report what they did not send). */
  notice(level: 'info' | 'error', text: string): void {
    this.emit('notice', { level, text });
  }

  /** True when the socket has been silent for longer than two of the fastest robot's ticks. */
  linkStalled(): boolean {
    if (!this.client.isOpen) return false; // closed is not stalled: the pill says disconnected
    return this.client.silentMs() > stallAfterMs(this.info.robots.map((r) => r.controlRateHz), this.client.heartbeatEveryMs);
  }

  /** Whether a robot's newest state is older than two of its ticks (or the link is stalled). */
  freshness(robotId: string): Freshness {
    const rate = this.robot(robotId)?.controlRateHz ?? 20;
    return robotFreshness(this.#receivedAt.get(robotId), performance.now(), rate, this.linkStalled());
  }

  /**
   * Runs a command and reports a refusal as a notice instead of throwing. While the robot's state
   * is stale, commands that hold the arm (e-stop, pause, take over) still go out with a warning
   * that they are not confirmed; commands that restart motion are refused here, with a notice,
   * since they could land seconds later on a robot the operator no longer sees.
   */
  async run(cmd: Parameters<TakeoverClient['command']>[0]): Promise<boolean> {
    // a busy tab can leave frames queued for a moment: give the robot two more ticks to show it is alive
    const patience = cmd.type === 'mark_outcome' && cmd.episodeId !== undefined ? MARK_PATIENCE_MS : staleAfterMs(this.robot(cmd.robot)?.controlRateHz ?? 20);
    if (this.freshness(cmd.robot).stale) await this.#nextFrame(cmd.robot, patience);
    const f = this.freshness(cmd.robot);
    const label = cmd.type.replace('_', ' ');
    if (f.stale && Number.isFinite(f.ageMs)) {
      const why = `${cmd.robot} is STALE (no state for ${Math.round(f.ageMs)} ms)`;
      if (!HOLDS_THE_ARM.has(cmd.type)) {
        this.emit('notice', { level: 'error', text: `${label}: not sent: ${why}` });
        return false;
      }
      this.emit('notice', { level: 'error', text: `${label} sent while ${why}: not confirmed yet` });
    }
    try {
      await this.client.command(cmd);
      this.emit('notice', { level: 'info', text: `${cmd.type.replace('_', ' ')}: ok` });
      return true;
    } catch (err) {
      const e = err as { code?: string; message: string };
      this.emit('notice', { level: 'error', text: `${cmd.type}: ${e.code ? `${e.code}: ` : ''}${e.message}` });
      return false;
    }
  }

  /** Resolves on the robot's next state frame or after `ms`, whichever comes first. */
  #nextFrame(robotId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        off();
        resolve();
      };
      const asked = performance.now();
      // a timer that fires late means the tab was busy: a frame may sit queued behind it, so let it land first
      const timer = setTimeout(() => (performance.now() - asked > 2 * ms ? setTimeout(done, 0) : done()), ms);
      const off = this.on('state', (m) => {
        if (m.robot === robotId) done();
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

/** ws(s)://<this host>/ws */
export function defaultWsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}
