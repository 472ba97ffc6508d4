import { parentPort, workerData } from 'node:worker_threads';
import type { Actor } from '../control/arbiter.ts';
import { wallClock } from '../control/clock.ts';
import type { Refusal } from '../control/control-loop.ts';
import { SAFETY_COMMANDS, type RobotCommand } from '../control/robot-command.ts';
import { CommandInbox, type InboxItem } from './command-inbox.ts';
import { ControlHost } from './control-host.ts';
import { RecorderRelay } from './recorder-relay.ts';
import type { ControlWorkerData, FromControl, ThreadError, ToControl } from './thread-messages.ts';

// The control thread (docs/architecture.md "Threads"): bridges, loops, scheduler, policies and
// frame building run here; the network thread only parses, routes and fans out.

type Cmd = InboxItem & { id: number; robotId: string; actor: Actor; cmd: RobotCommand; at: number };
type Item = Cmd | (InboxItem & { id: 0; signal: 'alive' | 'bad_input' | 'gone' });

const port = parentPort!;
const data = workerData as ControlWorkerData;
const post = (m: FromControl, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
const toThreadError = (err: unknown): ThreadError => ({ message: (err as Error)?.message ?? String(err), ...((err as { code?: unknown })?.code ? { code: String((err as { code: unknown }).code) } : {}) });

let watched = new Set<string>();
const relay = data.record ? new RecorderRelay((ops) => post({ t: 'rec', ops })) : null;
const inbox = new CommandInbox<Item>();
let refusals: Array<{ id: number; refusal: Refusal | null }> = [];
let draining: NodeJS.Immediate | null = null;

function laneOf(m: Extract<ToControl, { t: 'cmd' }>): InboxItem['lane'] {
  if (m.cmd.type === 'estop') return 'urgent';
  if (SAFETY_COMMANDS.has(m.cmd.type)) return 'safety';
  return m.cmd.type === 'teleop' ? 'teleop' : 'normal';
}

async function main(): Promise<void> {
  let host: ControlHost;
  try {
    host = await ControlHost.create(data.config, {
      clock: wallClock, recorder: relay, policies: data.policies, spinMs: data.spinMs, coalesceMs: data.coalesceMs,
      watched: (id) => watched.has(id),
      onFrames: (frames) => {
        // copy each frame into its own buffer so it can be transferred, not cloned with its encoder's scratch
        const own = frames.map((f) => ({ robot: f.robot, bytes: f.bytes.slice() }));
        post({ t: 'frames', frames: own }, own.map((f) => f.bytes.buffer as ArrayBuffer));
      },
      onEvent: (e) => post({ t: 'event', e }),
      onError: (robot, err) => post({ t: 'log', level: 'error', msg: 'control tick failed; robot e-stopped', robot, err: toThreadError(err) }),
    });
  } catch (err) {
    post({ t: 'failed', error: toThreadError(err) });
    return;
  }

  const drain = () => {
    draining = null;
    inbox.drain((it, superseded) => {
      if (it.id === 0) {
        const sig = (it as Extract<Item, { id: 0 }>).signal;
        if (sig === 'alive') host.alive(it.operatorId);
        else if (sig === 'bad_input') host.badInput(it.operatorId);
        else host.gone(it.operatorId);
        return;
      }
      const c = it as Cmd;
      const refusal = host.command(c.robotId, c.actor, c.cmd, c.at);
      refusals.push({ id: c.id, refusal });
      for (const s of superseded) refusals.push({ id: (s as Cmd).id, refusal });
    });
    relay?.flush();
    if (refusals.length) {
      post({ t: 'refusals', replies: refusals });
      refusals = [];
    }
  };
  const queue = (it: Item) => {
    if (!inbox.push(it)) {
      refusals.push({ id: (it as Cmd).id, refusal: { code: 'TKO_ERR_BUSY', message: 'too many commands waiting for the control thread' } });
    }
    draining ??= setImmediate(drain);
  };

  port.on('message', (m: ToControl) => {
    switch (m.t) {
      case 'cmd':
        return queue({ lane: laneOf(m), operatorId: m.actor.operatorId, robot: m.robot, id: m.id, robotId: m.robot, actor: m.actor, cmd: m.cmd, at: m.at });
      case 'alive':
      case 'bad_input':
      case 'gone':
        return queue({ lane: 'urgent', operatorId: m.operatorId, id: 0, signal: m.t });
      case 'watch':
        watched = new Set(m.robots);
        return;
      case 'status':
        return post({ t: 'reply', id: m.id, value: host.status() });
      case 'policy_stats':
        host.policyStats().then((value) => post({ t: 'reply', id: m.id, value }), (err) => post({ t: 'reply', id: m.id, error: toThreadError(err) }));
        return;
      case 'assign':
        host.assignPolicy(m.robot, m.version).then((value) => post({ t: 'reply', id: m.id, value }), (err) => post({ t: 'reply', id: m.id, error: toThreadError(err) }));
        return;
      case 'start':
        host.start(true).then(() => post({ t: 'reply', id: m.id }), (err) => post({ t: 'reply', id: m.id, error: toThreadError(err) }));
        return;
      case 'stop':
        drain();
        host.stop().then(
          () => { relay?.flush(); post({ t: 'reply', id: m.id }); },
          (err) => { relay?.flush(); post({ t: 'reply', id: m.id, error: toThreadError(err) }); },
        );
        return;
    }
  });
  post({ t: 'ready', robots: host.infos() });
}

void main();
