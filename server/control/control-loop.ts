import { ACTION_DIM, DEFAULT_ACTION_SCALE, type ActionScale } from '../../core/action.ts';
import { CommandPipeline } from './command-pipeline.ts';
import type { Mode, Source } from '../../core/mode.ts';
import { isObservationFinite, observationToRecord, plainNumbers, type Observation } from '../../core/observation.ts';
import type { Outcome } from '../../core/step.ts';
import { hasPhysicsState, isEpisodic, isEstoppable, isMonitored, isStepped } from '../robots/bridge-extras.ts';
import type { RobotBridge } from '../robots/robot-bridge.ts';
import type { ControlLoopOptions, LoopEvent, Refusal } from './control-loop-options.ts';
import { PolicyProposer } from './policy-proposer.ts';
import { AvailabilityWatch } from './availability-watch.ts';
import { LoopListeners } from './loop-listeners.ts';
import type { ActionSource } from './action-source.ts';
import { arbitrate, DEFAULT_ARBITER_RULES, initialArbiterState, sourceFor, type Actor, type ArbiterEvent, type ArbiterRules, type ArbiterState, type Decision } from './arbiter.ts';
import type { RewindTarget } from './rewind-buffer.ts';
import { Rewinder } from './rewinder.ts';
import type { ArmKinematics } from '../../sim/kinematics.ts';
import type { Clock } from './clock.ts';
import { EpisodeRunner, type EpisodeInfo } from './episode-runner.ts';
import { RateMeter, SampleRing } from './rate-meter.ts';
import type { RecorderPort } from './recorder-port.ts';
import { SafetyFilter, type ClampKind } from './safety-filter.ts';
import { TeleopInput, type TeleopCommand } from './teleop-input.ts';
import { loopStatus, type LoopStatus } from './loop-status.ts';
import { HelpMonitor, type HelpAnswer, type HelpScore } from './help-monitor.ts';

export type { ControlLoopOptions, LoopEvent, Refusal } from './control-loop-options.ts';

/**
 * One robot's control loop (docs/architecture.md "The control tick"): observe -> propose (deadline) ->
 * arbiter -> IK -> safety -> command -> record -> listeners. `tick()` is synchronous and never
 * awaits; time comes from the injected clock. Operator teleop commands are applied on arrival
 * from the same tick reference, so their latency does not wait for the next tick.
 */
export class ControlLoop {
  readonly robotId: string;
  readonly bridge: RobotBridge;
  readonly dt: number;
  readonly safety: SafetyFilter;
  readonly rate = new RateMeter();
  readonly commandLatencyMs = new SampleRing(2048);
  readonly episodes: EpisodeRunner;
  readonly heartbeatTimeout: number;
  policy: ActionSource | null;
  seq = 0;
  // what the last tick did (read by broadcasters after each tick; do not keep references)
  obs: Observation | null = null;
  /** the episode step whose start `obs` shows (after a sim rewind: the restored step's) */
  obsStep = -1;
  proposed: Float64Array | null = null;
  executed: Float64Array | null = null;
  source: Source = 'none';
  /** the policy's uncertainty score on the last tick (null: none reported) */
  helpScore: number | null = null;
  /** the ensemble disagreement on the last tick (null: the version has no ensemble) */
  helpEnsembleScore: number | null = null;
  /** the failure risk on the last tick (null: the version has no failure-risk model) */
  helpRiskScore: number | null = null;
  /** help requests of this robot's policy (docs/architecture.md "Help requests") */
  readonly help: HelpMonitor;
  readonly pipeline: CommandPipeline;
  readonly rewinder: Rewinder;

  #o: Required<Pick<ControlLoopOptions, 'actionScale' | 'autoReset' | 'anchorTolerance' | 'perfNow'>>;
  readonly #proposer: PolicyProposer;
  #kin: ArmKinematics;
  #clock: Clock;
  #arb: ArbiterState;
  readonly #rules: ArbiterRules;
  #teleop = new TeleopInput();
  #recorder: RecorderPort | null;
  #lastSeen = -Infinity;
  #tickOpen = false;
  #started = false;
  readonly #listeners = new LoopListeners<ControlLoop>();
  /** the step being recorded is part of a real-arm drive-back */
  #recovery = false;
  readonly #availability = new AvailabilityWatch();
  // scratch
  #act = new Float64Array(ACTION_DIM);
  #slowed = new Float64Array(ACTION_DIM);

  constructor(o: ControlLoopOptions) {
    this.robotId = o.robotId;
    this.bridge = o.bridge;
    this.#kin = o.kinematics;
    this.#clock = o.clock;
    const rateHz = o.rateHz ?? 20;
    if (!(rateHz > 0 && rateHz <= 1000)) throw new Error(`ControlLoop: rateHz must be in (0, 1000], got ${rateHz}`);
    this.dt = 1 / rateHz;
    this.policy = o.policy ?? null;
    this.heartbeatTimeout = o.heartbeatTimeout ?? 0.3;
    this.#recorder = o.recorder ?? null;
    this.#arb = initialArbiterState(o.startPaused);
    this.#rules = { estopReset: o.estopReset ?? DEFAULT_ARBITER_RULES.estopReset };
    this.#o = {
      actionScale: o.actionScale ?? DEFAULT_ACTION_SCALE,
      autoReset: o.autoReset ?? true,
      anchorTolerance: o.anchorTolerance ?? 0.03,
      perfNow: o.perfNow ?? (() => performance.now()),
    };
    this.help = new HelpMonitor(o.help);
    this.#proposer = new PolicyProposer(o.clock, o.policyDeadline ?? this.dt / 2, o.onPolicyError);
    const f = o.bridge.features;
    this.safety = new SafetyFilter({ lower: f.lower, upper: f.upper, velocityLimit: f.velocityLimit, dt: this.dt, ...o.limits }, o.kinematics);
    this.pipeline = new CommandPipeline({
      kinematics: o.kinematics, safety: this.safety, bridge: o.bridge, scale: this.#o.actionScale, dt: this.dt, anchorTolerance: this.#o.anchorTolerance,
    });
    this.rewinder = new Rewinder({ bridge: o.bridge, rateHz, horizonSeconds: o.rewindHorizon ?? 60 });
    this.episodes = new EpisodeRunner({
      robotId: o.robotId, task: o.task ?? 'none', seed: o.seed ?? 0, stepLimit: o.stepLimit ?? 0,
      recorder: this.#recorder, policyVersion: () => this.policy?.version ?? null, newId: o.newEpisodeId,
    });
  }

  /** policy answers discarded for missing their deadline */
  get lateProposals(): number { return this.#proposer.lateProposals; }
  /** policy calls that threw */
  get policyErrors(): number { return this.#proposer.policyErrors; }
  /** the message of the last policy call that threw, or null */
  get lastPolicyError(): string | null { return this.#proposer.lastPolicyError; }
  get mode(): Mode { return this.#arb.mode; }
  get lease(): string | null { return this.#arb.lease; }
  get modeReason(): string { return this.#arb.reason; }
  get episode(): EpisodeInfo | null { return this.episodes.current; }
  /** limits that changed a command during the last tick */
  get clamped(): readonly ClampKind[] { return this.pipeline.clamped; }
  /** joint targets handed to the arm by the last command */
  get jointTargets(): Float64Array { return this.pipeline.jointTargets; }

  /** The loop's live figures, measured (not configured). */
  status(): LoopStatus {
    return loopStatus({
      mode: this.#arb.mode, modeReason: this.#arb.reason, lease: this.#arb.lease, episode: this.episodes.current, recent: this.episodes.recent,
      dt: this.dt, rate: this.rate, lateProposals: this.lateProposals, policyErrors: this.policyErrors, lastPolicyError: this.lastPolicyError, help: this.help.open, helpScore: this.helpScore, helpEnsembleScore: this.helpEnsembleScore, helpRiskScore: this.helpRiskScore, commandLatencyMs: this.commandLatencyMs,
      bridge: this.bridge, rewind: this.rewinder.buffer,
    });
  }

  /** Switches the policy slot between two ticks; the swap is recorded in the episode (later steps carry the new version). */
  setPolicy(policy: ActionSource | null): void {
    this.policy = policy;
    const ep = this.episodes.current;
    if (ep) this.episodes.event({ type: 'policy_swap', t: this.#clock.now() - ep.startT, step: ep.step - 1, policyVersion: policy?.version ?? null });
  }

  /**
   * Subscribes to ticks (after each one), to observations (each tick after observe and propose,
   * before anything is commanded: an in-process operator decides there, so what it commands is
   * what the tick executes and records), or to mode and episode events. Listeners must not throw or block.
   */
  on(kind: 'tick' | 'observe', fn: (loop: ControlLoop) => void): void;
  on(kind: 'event', fn: (e: LoopEvent) => void): void;
  on(kind: 'tick' | 'observe' | 'event', fn: ((loop: ControlLoop) => void) | ((e: LoopEvent) => void)): void {
    if (kind === 'event') this.#listeners.event.push(fn as (e: LoopEvent) => void);
    else this.#listeners[kind].push(fn as (loop: ControlLoop) => void);
  }

  /** Starts the first episode (the bridge must be connected). */
  start(seed?: number): void {
    if (this.#started) return;
    this.#started = true;
    this.resetEpisode(seed);
  }

  /**
   * Work that may run between ticks: a simulated arm's physics, one step towards now, so the tick
   * itself stays short and a command waiting for the thread waits for one physics step, not a
   * tick's worth. True when it took a step. (Live only: simulated-time runs step in the tick.)
   */
  betweenTicks(): boolean {
    const b = this.bridge;
    return this.#started && b.isConnected && isStepped(b) && b.stepTo(this.#clock.now(), 1) > 0;
  }

  /** One control tick; `due` is when the scheduler meant it to run (for jitter). */
  tick(due?: number): void {
    if (!this.#started) this.start();
    const now = this.#clock.now();
    this.rate.record(now, due ?? now);
    const b = this.bridge;
    if (isStepped(b)) b.stepTo(now);
    const obs = b.observe();
    this.obs = obs;
    this.obsStep = this.episodes.current?.step ?? -1;
    if (!isObservationFinite(obs)) this.#arbitrate({ type: 'estop', actor: null, reason: 'non-finite observation' });
    // a real arm without the object poses its policy reads: the policy is not asked (nothing to count)
    let policyInputs = true;
    if (isMonitored(b)) {
      const h = b.health();
      policyInputs = h.policyInputs?.ready ?? true;
      const ev = this.#availability.next(h, this.#arb.mode, this.#arb.reason);
      if (ev) this.#arbitrate(ev);
    }
    const m0 = this.#arb.mode;
    if (this.#arb.lease !== null && (m0 === 'INTERVENING' || m0 === 'REWINDING') && now - this.#lastSeen > this.heartbeatTimeout) {
      this.#arbitrate({ type: 'heartbeat_timeout' });
      this.#teleop.clear();
    }
    this.proposed = this.#arb.mode === 'ESTOP' || !policyInputs ? null : this.#proposer.propose(this.policy, obs);
    this.#helpTick(now);
    this.#tickOpen = false;
    this.#recovery = false;
    const cur = this.episodes.current;
    if (cur && !cur.outcome) this.rewinder.capture(cur.step, now, obs.q);
    this.#listeners.run('observe', this);
    this.pipeline.beginTick(this.obs); // a listener may have rewound: this.obs is then the restored state
    const source = sourceFor(this.#arb.mode);
    if (source === 'policy' && this.proposed) {
      this.executed = this.pipeline.command(this.help.actionScale < 1 ? this.#slow(this.proposed) : this.proposed);
      this.source = 'policy';
    } else if (source === 'operator' && this.#arb.mode === 'INTERVENING') {
      this.#teleop.actionAt(now, this.pipeline.refPos, this.pipeline.refQuat, this.#o.actionScale, this.dt, this.#act);
      this.executed = this.pipeline.command(this.#act);
      this.source = 'operator';
    } else if (this.#arb.mode === 'REWINDING') {
      this.#driveBack();
    } else {
      this.#hold();
    }
    this.#tickOpen = true;
    this.seq++;
    this.#record(now);
    this.#listeners.run('tick', this);
    const ep = this.episodes.current;
    if (ep) {
      ep.step++;
      if (this.source === 'none' && this.#arb.mode === 'PAUSED') ep.heldSteps++;
      // an e-stopped episode does not end (and the next one does not reset the arm) until the reset
      const verdict = this.#arb.mode === 'ESTOP' ? null : this.episodes.verdict(isEpisodic(b) && b.taskSuccess());
      if (verdict) this.#endEpisode(verdict, null);
    }
  }

  #hold(): void {
    this.pipeline.hold(this.obs?.q ?? null);
    this.executed = null;
    this.source = 'none';
  }

  #record(now: number): void {
    const ep = this.episodes.current;
    if (!this.#recorder || !ep || !this.obs) return;
    const label = this.source === 'operator' ? this.#teleop.labelAt(now) : null;
    this.#recorder.appendStep({
      episodeId: ep.id, step: ep.step, t: now - ep.startT, obs: observationToRecord(this.obs),
      proposed: this.proposed ? plainNumbers(this.proposed) : null, executed: this.executed ? plainNumbers(this.executed) : null,
      jointTargets: plainNumbers(this.jointTargets), clamped: [...this.pipeline.clamped], source: this.source, mode: this.#arb.mode,
      operatorId: this.#arb.lease, policyVersion: this.policy?.version ?? null, ...(this.#recovery ? { recovery: true } : {}),
      ...(label ? { label } : {}),
      ...(this.helpScore !== null ? { helpScore: this.helpScore } : {}),
      ...(this.helpEnsembleScore !== null ? { helpEnsembleScore: this.helpEnsembleScore } : {}),
      ...(this.helpRiskScore !== null ? { helpRiskScore: this.helpRiskScore } : {}), ...(this.help.open ? { helpOpen: true } : {}),
      ...(hasPhysicsState(this.bridge) ? { physicsState: this.bridge.physicsState() } : {}),
    });
  }

  /** Scores this tick's proposal and raises or times out a help request. */
  #helpTick(now: number): void {
    const u: HelpScore | null = this.proposed && this.policy?.uncertainty ? this.policy.uncertainty() : null;
    this.helpScore = u ? u.score : null;
    this.helpEnsembleScore = u?.ensemble ? u.ensemble.score : null;
    this.helpRiskScore = u?.risk ? u.risk.score : null;
    const before = this.help.open;
    const what = this.help.tick(u, now, Date.now(), this.#arb.mode === 'AUTONOMOUS');
    if (what === 'timed_out') this.#helpClosed(before, 'timed_out', null);
    if (what !== 'raised') return;
    const r = this.help.open!;
    const ep = this.episodes.current;
    this.episodes.event({ type: 'help', t: ep ? now - ep.startT : 0, step: (ep?.step ?? 0) - 1, state: 'raised', reason: r.reason, score: r.score, threshold: r.threshold, action: r.action });
    this.#emit({ type: 'help', robot: this.robotId, state: 'raised', ...r });
    if (r.action === 'pause') this.#arbitrate({ type: 'help_pause', reason: r.reason });
  }

  /** Records how a help request ended. */
  #helpClosed(r: { score: number; since: number } | null, answer: HelpAnswer, by: string | null): void {
    if (!r) return;
    const ep = this.episodes.current;
    this.episodes.event({ type: 'help', t: ep ? this.#clock.now() - ep.startT : 0, step: (ep?.step ?? 0) - 1, state: 'closed', answer, by, score: r.score });
    this.#emit({ type: 'help', robot: this.robotId, state: 'closed', answer, by, since: r.since });
  }

  /** The proposal with its motion scaled for a 'slow' help request (the gripper command is kept). */
  #slow(a: Float64Array): Float64Array {
    const k = this.help.actionScale;
    for (let i = 0; i < ACTION_DIM; i++) this.#slowed[i] = i < 6 ? a[i] * k : a[i];
    return this.#slowed;
  }

  /**
   * An operator dismisses the open help request: the policy carries on (a robot the request
   * paused resumes, under the arbiter's rules). Refused when none is open. (A request is open
   * only while nobody holds the lease: a take-over answers it.)
   */
  dismissHelp(actor: Actor): Refusal | null {
    if (!this.help.open) return { code: 'TKO_ERR_BAD_TRANSITION', message: 'no open help request' };
    if (this.#arb.mode === 'PAUSED' && this.#arb.reason.startsWith('help:')) {
      const refused = this.request({ type: 'resume', actor });
      if (refused) return refused;
    }
    this.#helpClosed(this.help.close(), 'dismissed', actor.operatorId);
    return null;
  }

  #arbitrate(ev: ArbiterEvent): Decision {
    const before = this.#arb;
    const d = arbitrate(before, ev, this.#rules);
    if (!d.ok || !d.changed) return d;
    this.#arb = d.state;
    const ep = this.episodes.current;
    const t = ep ? this.#clock.now() - ep.startT : 0;
    if (before.mode === 'REWINDING' && d.state.mode !== 'REWINDING') this.rewinder.cancel();
    if (d.state.mode === 'INTERVENING' && before.mode !== 'INTERVENING' && this.help.open) this.#helpClosed(this.help.close(), 'taken_over', d.state.lease);
    if (before.mode !== d.state.mode) {
      this.episodes.event({ type: 'mode', t, step: (ep?.step ?? 0) - 1, from: before.mode, to: d.state.mode, reason: d.state.reason });
      if (d.state.mode !== 'INTERVENING') this.#teleop.clear();
      if (d.state.mode === 'ESTOP' && isEstoppable(this.bridge)) this.bridge.estop();
      if (d.state.mode === 'PAUSED' || d.state.mode === 'ESTOP') this.#holdNow();
    }
    if (before.lease !== d.state.lease) {
      this.episodes.event({ type: 'lease', t, step: (ep?.step ?? 0) - 1, operatorId: d.state.lease, from: before.lease, to: d.state.lease });
      this.#teleop.clear();
    }
    this.#emit({ type: 'mode', robot: this.robotId, mode: d.state.mode, lease: d.state.lease, reason: d.state.reason });
    return d;
  }

  #holdNow(): void {
    this.pipeline.hold(null);
    this.#tickOpen = false;
  }

  #emit(e: LoopEvent): void {
    this.#listeners.emit(e);
  }

  /** Applies an operator's mode command through the arbiter. Returns the refusal, or null. */
  request(ev: ArbiterEvent): Refusal | null {
    if ('actor' in ev && ev.actor) this.heartbeat(ev.actor.operatorId);
    // A real arm that held after a lost link moves again only on an operator's resume (or take_over / hand_back).
    const b = this.bridge;
    if (isMonitored(b) && (ev.type === 'resume' || ev.type === 'take_over' || ev.type === 'hand_back')) {
      const err = b.resume();
      if (err && ev.type === 'resume') return { code: 'TKO_ERR_NOT_CONNECTED', message: err.message };
    }
    const d = this.#arbitrate(ev);
    if (!d.ok) return { code: d.code, message: d.message };
    if (ev.type === 'take_over') this.#lastSeen = this.#clock.now();
    return null;
  }

  /** Counts as a sign of life from an operator (the watchdog listens only to the lease holder). */
  heartbeat(operatorId: string): void {
    if (operatorId === this.#arb.lease) this.#lastSeen = this.#clock.now();
  }

  /**
   * An operator's teleop command: refused unless the sender holds the lease and the robot is
   * INTERVENING; applied to the arm at once. `receivedAtMs` (perfNow time) feeds the latency figures.
   */
  teleop(operatorId: string, cmd: TeleopCommand, receivedAtMs?: number): Refusal | null {
    const { lease, mode } = this.#arb;
    if (lease !== operatorId) return { code: lease === null ? 'TKO_ERR_NOT_LEASE_HOLDER' : 'TKO_ERR_LEASE_HELD', message: lease === null ? 'take_over before teleop' : `robot is held by operator '${lease}'` };
    const now = this.#clock.now();
    this.#lastSeen = now;
    if (mode !== 'INTERVENING') return { code: mode === 'ESTOP' ? 'TKO_ERR_ESTOP_LATCHED' : 'TKO_ERR_BAD_TRANSITION', message: `robot is ${mode}; teleop needs INTERVENING` };
    this.#teleop.set(cmd, now);
    if (this.#tickOpen) {
      this.#teleop.actionAt(now, this.pipeline.refPos, this.pipeline.refQuat, this.#o.actionScale, this.dt, this.#act);
      this.executed = this.pipeline.command(this.#act);
      this.source = 'operator';
      if (receivedAtMs !== undefined) this.commandLatencyMs.push(this.#o.perfNow() - receivedAtMs);
    }
    return null;
  }

  /**
   * Rewinds the current episode to a step or by some seconds: a sim robot is restored
   * exactly and the operator is INTERVENING at once; a real arm drives back (REWINDING, recorded as
   * recovery) and then the operator is INTERVENING. The undone steps are marked by a rewind event.
   */
  rewind(actor: Actor, target: RewindTarget): Refusal | null {
    const ep = this.episodes.current;
    if (!ep || ep.outcome) return { code: 'TKO_ERR_BAD_TRANSITION', message: 'no episode running' };
    const ev: ArbiterEvent = { type: 'rewind', actor };
    const check = arbitrate(this.#arb, ev, this.#rules);
    if (!check.ok) return { code: check.code, message: check.message };
    const r = this.rewinder.start(target, ep.step);
    if (!r.ok) return { code: 'TKO_ERR_REWIND_RANGE', message: r.message };
    this.#arbitrate(ev);
    const now = this.#clock.now();
    this.#lastSeen = now;
    this.episodes.event({ type: 'rewind', t: now - ep.startT, step: ep.step - 1, fromStep: ep.step - 1, toStep: r.toStep, how: r.how, seconds: r.seconds, by: actor.operatorId });
    // every console greys out the undone steps, not only the one that asked
    this.#emit({ type: 'rewind', robot: this.robotId, episodeId: ep.id, fromStep: ep.step - 1, toStep: r.toStep, how: r.how, by: actor.operatorId });
    this.#teleop.clear();
    this.pipeline.reset();
    this.#tickOpen = false;
    if (r.how === 'restore') {
      this.obs = this.bridge.observe();
      this.obsStep = r.toStep + 1;
      this.policy?.reset?.(this.obs);
      this.#arbitrate({ type: 'rewind_done' });
    }
    return null;
  }

  /** One tick of a real arm's drive-back; hands over to the operator when it is done. */
  #driveBack(): void {
    const q = this.obs ? this.rewinder.next(this.obs.q) : null;
    if (!q) {
      this.#arbitrate({ type: 'rewind_done' });
      this.#hold();
      return;
    }
    this.pipeline.commandJoints(q);
    this.executed = null;
    this.source = 'operator';
    this.#recovery = true;
  }

  /** The holder's connection closed or went bad: hold (docs/architecture.md "The control tick"). */
  operatorGone(operatorId: string): void {
    this.#arbitrate({ type: 'operator_gone', operatorId });
  }
  badInput(operatorId: string): void {
    this.#arbitrate({ type: 'bad_input', operatorId });
  }

  /** Ends the current episode (aborted if unfinished) and starts a new one with `seed` or the next seed. */
  resetEpisode(seed?: number, by: string | null = null): EpisodeInfo {
    if (this.episodes.current && !this.episodes.current.outcome) this.#endEpisode('aborted', by, false);
    return this.#beginEpisode(seed);
  }

  /** An operator's verdict on the current episode (refused if `episodeId` names another); the next one starts when autoReset is on. */
  markOutcome(outcome: Outcome, by: string, episodeId?: string): Refusal | null {
    const cur = this.episodes.current;
    if (!cur || cur.outcome) return { code: 'TKO_ERR_BAD_TRANSITION', message: 'no episode running' };
    // a verdict sent late (a held mark, a slow link) must not end the episode after the one it judged
    if (episodeId !== undefined && episodeId !== cur.id) return { code: 'TKO_ERR_BAD_TRANSITION', message: `episode ${episodeId} is not running (now ${cur.id}): the verdict was not applied` };
    this.#endEpisode(outcome, by);
    return null;
  }

  #endEpisode(outcome: Outcome, by: string | null, thenReset = this.#o.autoReset): void {
    this.#helpClosed(this.help.close(), 'episode_end', by);
    const ep = this.episodes.end(outcome, this.#clock.now(), by);
    if (ep) this.#emit({ type: 'episode_end', robot: this.robotId, episodeId: ep.id, outcome, steps: ep.step, by });
    if (thenReset) this.#beginEpisode();
  }

  #beginEpisode(seed?: number): EpisodeInfo {
    const ep = this.episodes.begin(this.#clock.now(), seed);
    this.help.reset();
    // a help pause belongs to the episode that asked: left standing, the next episode would wait
    // paused on a request that was closed with the last one, and nobody is asked to answer it
    this.#arbitrate({ type: 'help_moot', why: 'help request closed with its episode' });
    const b = this.bridge;
    if (isStepped(b)) b.stepTo(this.#clock.now());
    if (isEpisodic(b)) b.resetEpisode(ep.seed);
    this.#teleop.clear();
    this.pipeline.reset();
    this.rewinder.clear();
    this.obsStep = -1;
    this.#tickOpen = false;
    if (b.isConnected) this.policy?.reset?.(b.observe());
    this.#emit({ type: 'episode_start', robot: this.robotId, episodeId: ep.id, seed: ep.seed, task: ep.task });
    return ep;
  }
}
