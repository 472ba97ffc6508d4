import { SimulatedOperator, type OperatorKnobs } from '../../sim/simulated-operator.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import type { Actor } from '../control/arbiter.ts';
import type { ControlLoop } from '../control/control-loop.ts';
import { crossedScore } from '../control/help-monitor.ts';

/**
 * How the one operator picks the next robot: `failure` — the robots they see failing (no
 * progress, a missed or dropped cube, drifting from what they would do), oldest first, as a
 * person watching a fleet does today; `help` — open help requests first, highest score first,
 * then visible failures; `queue` — help requests only, highest score first: a person who
 * works from the attention queue and does not watch the robots between requests.
 */
export type Allocation = 'failure' | 'help' | 'queue';

/**
 * When the operator sees visible failure: `always` — on every robot at every tick, even while
 * turning to or correcting another one; `free` — only while attending none (a person driving one
 * arm is not watching the others). Help requests wait in the attention queue either way.
 */
export type Watch = 'always' | 'free';

/**
 * How open help requests are ranked: `raised` — by the score that raised them, each counted until
 * answered or its episode ends; `live` — by the robot's score now, passing over a request whose
 * robot has been back under the threshold since it asked (`over: false`, server/control/help-monitor.ts)
 * until it is over again, as Fleet-DAgger recomputes its priorities every step. A robot held while
 * it asks (help action `pause`) is not scored, so its request keeps the score that raised it: under
 * `pause` the two agree.
 */
export type Priority = 'raised' | 'live';

/** What the operator did over a run. */
export interface SupervisorStats {
  /** robots attended (each: take over, correct one sub-task, hand back) */
  interventions: number;
  /** of which sent by a help request */
  helpInterventions: number;
  /** seconds the operator was busy (switching to a robot and correcting it) */
  operatorSeconds: number;
  /** robot-seconds with a need (open help request or visible failure) that nobody attended yet */
  idleSeconds: number;
  helpRequests: number;
}

interface Need {
  kind: 'help' | 'failure';
  since: number;
  score: number;
}

interface Robot {
  loop: ControlLoop;
  op: SimulatedOperator;
  need: Need | null;
}

/**
 * One simulated person supervising many robots who can attend one at a time. Each robot's
 * failure signs come from its own SimulatedOperator watching it (what the person would notice);
 * only the attended robot is taken over and corrected, through the same operator interface as a
 * console (take_over, rewind, teleop, hand_back). `tick(now)` runs before the robots' ticks;
 * the per-robot decisions run in each loop's observe hook, like SimulatedOperatorAgent's.
 */
export class FleetSupervisor {
  readonly stats: SupervisorStats = { interventions: 0, helpInterventions: 0, operatorSeconds: 0, idleSeconds: 0, helpRequests: 0 };
  readonly actor: Actor = { operatorId: 'fleet-operator', role: 'operator' };
  readonly #robots: Robot[];
  readonly #allocation: Allocation;
  readonly #watch: Watch;
  readonly #priority: Priority;
  readonly #watchRisk: number | null;
  readonly #minTimeLeftS: number;
  readonly #switchS: number;
  readonly #dt: number;
  /** the robot being attended, and when the operator can act on it (after switching to it) */
  #attending: { i: number; actFrom: number; acting: boolean } | null = null;
  #now = 0;

  /**
   * `watchRisk` (allocation `help` only): a visible failure sends the operator only to a robot
   * whose failure risk now (its version's `help.risk` score, as its tile shows it) is at least
   * this; absent, every visible failure does. `minTimeLeft` (s, default 0, every allocation): the
   * operator turns only to a robot whose episode has at least this long left before its step
   * limit (a need on one with less waits, and ends with its episode).
   */
  constructor(loops: readonly ControlLoop[], o: { task: TaskName; allocation: Allocation; controlHz: number; switchSeconds?: number; watch?: Watch; priority?: Priority; watchRisk?: number; minTimeLeft?: number; knobs?: Partial<OperatorKnobs> }) {
    this.#allocation = o.allocation;
    this.#watchRisk = o.allocation === 'help' ? o.watchRisk ?? null : null;
    this.#minTimeLeftS = o.minTimeLeft ?? 0;
    this.#watch = o.watch ?? 'always';
    this.#priority = o.priority ?? 'raised';
    this.#switchS = o.switchSeconds ?? 1;
    this.#dt = 1 / o.controlHz;
    // the detector watches every episode to its end: the fleet cap is the operator's single pair of hands
    const knobs = { maxInterventions: 1000, ...o.knobs };
    this.#robots = loops.map((loop, i) => {
      const r: Robot = { loop, op: new SimulatedOperator(o.task, knobs, { controlHz: o.controlHz }), need: null };
      loop.on('event', (e) => {
        if (e.type === 'episode_start') {
          r.op.reset(loop.bridge.observe());
          r.need = null;
        }
        if (e.type === 'help' && e.state === 'raised') {
          this.stats.helpRequests++;
          if (o.allocation !== 'failure') r.need = { kind: 'help', since: this.#now, score: Number(e.score) };
        }
      });
      loop.on('observe', () => this.#decide(i));
      return r;
    });
  }

  /** Which robot the operator attends now (null: free). */
  get attending(): number | null {
    return this.#attending?.i ?? null;
  }

  /** Before the robots' ticks at `now`: counts busy and idle time and, when free, picks a robot. */
  tick(now: number): void {
    this.#now = now;
    if (this.#attending) this.stats.operatorSeconds += this.#dt;
    for (const [i, r] of this.#robots.entries()) if (r.need && this.#attending?.i !== i) this.stats.idleSeconds += this.#dt;
    if (this.#attending) return;
    const next = this.#pick();
    if (next === null) return;
    this.#attending = { i: next, actFrom: now + this.#switchS, acting: false };
  }

  /** The end of an episode frees the operator if they were on that robot. */
  episodeEnded(i: number): void {
    const r = this.#robots[i];
    r.need = null;
    if (this.#attending?.i !== i) return;
    if (r.loop.lease === this.actor.operatorId) r.loop.request({ type: 'hand_back', actor: this.actor });
    this.#attending = null;
  }

  #pick(): number | null {
    let best: number | null = null;
    const rank = (n: Need) => (n.kind === 'help' ? 1 : 0);
    let b: Need | null = null;
    for (const [i, r] of this.#robots.entries()) {
      const n = this.#rankedNeed(r);
      if (!n || !this.#timeToAct(r.loop)) continue;
      // help requests before failures; among requests the highest score; otherwise the oldest
      if (!b || (rank(n) !== rank(b) ? rank(n) > rank(b) : n.kind === 'help' ? n.score > b.score : n.since < b.since)) {
        best = i;
        b = n;
      }
    }
    return best;
  }

  /**
   * The robot's need as ranked now. Under `live` priority a request the robot has recovered from
   * since it asked (`over: false`, as the attention queue ranks it) waits; the others rank by the
   * robot's score now, as a person reads it on its tile (a held robot: the score that raised it).
   */
  #rankedNeed(r: Robot): Need | null {
    const n = r.need;
    if (!n || n.kind !== 'help' || this.#priority === 'raised') return n;
    if (r.loop.help.open?.over === false) return null;
    const now = r.loop.mode === 'AUTONOMOUS' ? crossedScore(r.loop.policy?.uncertainty?.() ?? null) : null;
    return now ? { ...n, score: now.score } : n;
  }

  #decide(i: number): void {
    const r = this.#robots[i];
    const { loop } = r;
    const obs = loop.obs;
    if (!obs || !loop.episode || loop.episode.outcome) return;
    const a = this.#attending;
    if (a?.i === i) {
      if (!a.acting) {
        if (this.#now < a.actFrom) return;
        if (loop.request({ type: 'take_over', actor: this.actor })) {
          this.#attending = null;
          return;
        }
        a.acting = true;
        this.stats.interventions++;
        if (r.need?.kind === 'help') this.stats.helpInterventions++;
        r.need = null;
        if (r.op.knobs.rewind && !loop.rewind(this.actor, { seconds: r.op.knobs.rewindSeconds })) r.op.attend(loop.obs!);
        else r.op.attend(obs);
      }
      const d = r.op.decide(loop.obs!, { mode: loop.mode, proposed: loop.proposed, holdsLease: true });
      if (d.type === 'correct') loop.teleop(this.actor.operatorId, { kind: 'delta', action: d.action });
      else if (d.type === 'hand_back') {
        loop.request({ type: 'hand_back', actor: this.actor });
        this.#attending = null;
      } else loop.heartbeat(this.actor.operatorId);
      return;
    }
    if (loop.mode !== 'AUTONOMOUS' || this.#allocation === 'queue' || (this.#watch === 'free' && a)) return;
    const d = r.op.decide(obs, { mode: loop.mode, proposed: loop.proposed, holdsLease: false });
    if (d.type === 'take_over' && !r.need && this.#risky(loop)) r.need = { kind: 'failure', since: this.#now, score: 0 };
  }

  /** Whether the robot's episode has `minTimeLeft` or more before its step limit (steps held in PAUSED do not count toward it). */
  #timeToAct(loop: ControlLoop): boolean {
    const ep = loop.episode;
    const limit = loop.episodes.stepLimit;
    if (this.#minTimeLeftS <= 0 || !ep || !(limit > 0)) return true;
    return (limit - (ep.step - ep.heldSteps)) * loop.dt >= this.#minTimeLeftS;
  }

  /** Whether a visible failure on this robot counts: always, or under `watchRisk` only at that failure risk or above. */
  #risky(loop: ControlLoop): boolean {
    if (this.#watchRisk === null) return true;
    return (loop.policy?.uncertainty?.()?.risk?.score ?? 0) >= this.#watchRisk;
  }
}
