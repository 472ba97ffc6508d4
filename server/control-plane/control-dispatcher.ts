import type { Actor } from '../control/arbiter.ts';
import type { Refusal } from '../control/control-loop.ts';
import { SAFETY_COMMANDS, type RobotCommand } from '../control/robot-command.ts';
import { CommandInbox, type InboxItem } from './command-inbox.ts';
import type { ControlHost } from './control-host.ts';
import type { RecorderRelay } from './recorder-relay.ts';
import type { FromControl, ThreadError, ToControl } from './thread-messages.ts';

/** where a command's answer goes: the network thread, or the safety socket's thread (server/safety/) */
export type ReplyPost = (m: Extract<FromControl, { t: 'refusals' }>) => void;
type Cmd = InboxItem & { id: number; robotId: string; actor: Actor; cmd: RobotCommand; at: number; posted?: number; read: number; out: ReplyPost };
type Signal = InboxItem & { id: 0; signal: 'alive' | 'bad_input' | 'gone' };
type Item = Cmd | Signal;

/** An error as it crosses the thread boundary (a TakeoverError keeps its code). */
export function toThreadError(err: unknown): ThreadError {
  const code = (err as { code?: unknown })?.code;
  return { message: (err as Error)?.message ?? String(err), ...(code ? { code: String(code) } : {}) };
}

function laneOf(cmd: RobotCommand): InboxItem['lane'] {
  if (cmd.type === 'estop') return 'urgent';
  if (SAFETY_COMMANDS.has(cmd.type)) return 'safety';
  return cmd.type === 'teleop' ? 'teleop' : 'normal';
}

/**
 * The control thread's side of the channel: takes the network thread's messages, runs e-stops and
 * signs of life at once, queues other commands in the priority inbox, drains it right after the
 * batch that brought them (the scheduler's turn before its pre-tick sleep, or a setImmediate), and answers. Separate from the worker entry so that tests drive it in-process.
 */
export class ControlDispatcher {
  readonly inbox = new CommandInbox<Item>();
  #host: ControlHost;
  #post: (m: FromControl) => void;
  #relay: RecorderRelay | null;
  /** answers owed, per destination (each leaves in one message) */
  #replies = new Map<ReplyPost, Array<{ id: number; refusal: Refusal | null }>>();
  #draining: NodeJS.Immediate | null = null;
  watched = new Set<string>();

  constructor(host: ControlHost, post: (m: FromControl) => void, relay: RecorderRelay | null) {
    this.#host = host;
    this.#post = post;
    this.#relay = relay;
  }

  /**
   * One message from the network thread, or (with `out`) a command or sign of life from the safety
   * socket's thread, answered there. Its handling counts as the thread's work between ticks.
   */
  receive(m: ToControl, out: ReplyPost = this.#post): void {
    const t0 = performance.now();
    this.#receive(m, out, t0);
    const t1 = performance.now();
    const f = this.#host.fleet.scheduler.figures;
    f.worked((t1 - t0) / 1000, t1 / 1000);
    if ((t1 - t0) / 1000 > f.slowFloorS) f.noteSlow(m.t === 'cmd' ? `message cmd ${m.cmd.type}` : `message ${m.t}`, (t1 - t0) / 1000);
  }

  #receive(m: ToControl, out: ReplyPost, read: number): void {
    const host = this.#host;
    const answer = (id: number, p: Promise<unknown>) =>
      p.then((value) => this.#post({ t: 'reply', id, value }), (err) => this.#post({ t: 'reply', id, error: toThreadError(err) }));
    switch (m.t) {
      case 'cmd':
        return this.#queue({ lane: laneOf(m.cmd), operatorId: m.actor.operatorId, robot: m.robot, id: m.id, robotId: m.robot, actor: m.actor, cmd: m.cmd, at: m.at, posted: m.posted, read, out });
      case 'alive':
      case 'bad_input':
      case 'gone':
        return this.#queue({ lane: 'urgent', operatorId: m.operatorId, id: 0, signal: m.t });
      case 'watch':
        this.watched = new Set(m.robots);
        return;
      case 'status':
        return this.#post({ t: 'reply', id: m.id, value: host.status() });
      case 'samples':
        return this.#post({ t: 'reply', id: m.id, value: host.samples(m.reset) });
      case 'reset_figures':
        host.resetFigures();
        return this.#post({ t: 'reply', id: m.id, value: null });
      case 'policy_stats':
        void answer(m.id, host.policyStats());
        return;
      case 'assign':
        void answer(m.id, host.assignPolicy(m.robot, m.version));
        return;
      case 'start':
        void answer(m.id, host.start(true));
        return;
      case 'stop':
        this.drain();
        void answer(m.id, host.stop().finally(() => this.#relay?.flush()));
        return;
    }
  }

  #queue(it: Item): void {
    // e-stops and signs of life run as their message arrives: they would go first in the drain
    // anyway, and waiting for the batch's end (a setImmediate, behind a tick's precise sleep) only
    // delays the e-stop's answer
    if (it.lane === 'urgent') {
      this.#run(it, []);
      this.#flushReplies();
      return;
    }
    if (!this.inbox.push(it)) this.#reply(it as Cmd, { code: 'TKO_ERR_BUSY', message: 'too many commands waiting for the control thread' });
    this.#draining ??= setImmediate(() => this.drain());
  }

  /** Runs what is queued, in priority order, and sends the answers in one message. */
  drain(): void {
    if (this.#draining) clearImmediate(this.#draining);
    this.#draining = null;
    if (this.inbox.size === 0) return;
    const t0 = performance.now();
    this.inbox.drain((it, superseded) => this.#run(it, superseded));
    this.#flushReplies();
    const t1 = performance.now();
    this.#host.fleet.scheduler.figures.worked((t1 - t0) / 1000, t1 / 1000);
  }

  #run(it: Item, superseded: readonly Item[]): void {
    const host = this.#host;
    if (it.id === 0) {
      const { signal, operatorId } = it as Signal;
      if (signal === 'alive') host.alive(operatorId);
      else if (signal === 'bad_input') host.badInput(operatorId);
      else host.gone(operatorId);
      return;
    }
    const c = it as Cmd;
    const t0 = performance.now();
    const refusal = host.command(c.robotId, c.actor, c.cmd, c.at);
    if (c.cmd.type === 'teleop' && refusal === null) host.teleopPath.ran(c.at, c.posted, c.read, t0);
    const s = (performance.now() - t0) / 1000;
    const f = host.fleet.scheduler.figures;
    if (s > f.slowFloorS) f.noteSlow(`command ${c.cmd.type} ${c.robotId}`, s);
    this.#reply(c, refusal);
    for (const s of superseded) this.#reply(s as Cmd, refusal);
  }

  #reply(c: Cmd, refusal: Refusal | null): void {
    const owed = this.#replies.get(c.out);
    if (owed) owed.push({ id: c.id, refusal });
    else this.#replies.set(c.out, [{ id: c.id, refusal }]);
  }

  #flushReplies(): void {
    if (!this.#replies.size) return;
    // the steps and events the commands caused leave before their answers
    this.#relay?.flush();
    for (const [out, replies] of this.#replies) out({ t: 'refusals', replies });
    this.#replies.clear();
  }
}
