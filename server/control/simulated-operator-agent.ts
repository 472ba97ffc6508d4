import type { SimulatedOperator } from '../../sim/simulated-operator.ts';
import type { Actor } from './arbiter.ts';
import type { ControlLoop } from './control-loop.ts';

/** What one simulated person did, for the loop's tables. */
export interface OperatorAgentStats {
  interventions: number;
  rewinds: number;
  /** ticks in which the operator commanded the arm (corrections) */
  operatorSteps: number;
  refusals: number;
}

/**
 * Puts a SimulatedOperator in front of a ControlLoop through the same operator interface the
 * WebSocket handler uses (request take_over / hand_back, rewind, teleop): the same arbitration,
 * lease, safety and recording path as a person, no side door. It decides in the loop's observe
 * hook, so its take-overs and corrections act on the tick that observed the reason for them.
 */
export class SimulatedOperatorAgent {
  readonly actor: Actor;
  readonly stats: OperatorAgentStats = { interventions: 0, rewinds: 0, operatorSteps: 0, refusals: 0 };
  readonly #loop: ControlLoop;
  readonly #op: SimulatedOperator;
  #needsReset = true;

  constructor(loop: ControlLoop, operator: SimulatedOperator, { operatorId = 'sim-operator' }: { operatorId?: string } = {}) {
    this.#loop = loop;
    this.#op = operator;
    this.actor = { operatorId, role: 'operator' };
    loop.on('event', (e) => {
      if (e.type === 'episode_start') this.#needsReset = true;
    });
    loop.on('observe', () => this.#decide());
  }

  #decide(): void {
    const loop = this.#loop;
    const obs = loop.obs;
    if (!obs || !loop.episode || loop.episode.outcome) return;
    if (this.#needsReset) {
      this.#op.reset(obs);
      this.#needsReset = false;
    }
    const d = this.#op.decide(obs, { mode: loop.mode, proposed: loop.proposed, holdsLease: loop.lease === this.actor.operatorId });
    switch (d.type) {
      case 'take_over': {
        if (loop.request({ type: 'take_over', actor: this.actor })) {
          this.stats.refusals++;
          return;
        }
        this.stats.interventions++;
        if (d.rewindSeconds !== null && !loop.rewind(this.actor, { seconds: d.rewindSeconds })) {
          this.stats.rewinds++;
          this.#op.rewound(loop.obs!);
        }
        // correct from this very tick (after a sim rewind, from the restored state)
        const first = this.#op.decide(loop.obs!, { mode: loop.mode, proposed: loop.proposed, holdsLease: loop.lease === this.actor.operatorId });
        if (first.type === 'correct') this.#teleop(first.action, first.label);
        return;
      }
      case 'correct':
        this.#teleop(d.action, d.label);
        return;
      case 'hand_back':
        if (loop.request({ type: 'hand_back', actor: this.actor })) this.stats.refusals++;
        return;
      case 'watch':
        if (loop.lease === this.actor.operatorId) loop.heartbeat(this.actor.operatorId);
    }
  }

  #teleop(action: Float64Array, label?: Float64Array): void {
    if (this.#loop.teleop(this.actor.operatorId, { kind: 'delta', action, ...(label ? { label } : {}) })) this.stats.refusals++;
    else this.stats.operatorSteps++;
  }
}
