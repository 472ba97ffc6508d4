import type { ControlHost, ControlStatus } from './control-host.ts';
import type { PolicyRuntimeStats } from './policy-host.ts';
import type { RobotStatus } from './robot-status.ts';

/**
 * Publishes the robots' status from the control thread every `intervalMs`, so that status requests
 * (REST at any rate) are answered on the network thread from the last snapshot and never reach the
 * loops (the policy runtime's figures ride along). A robot's figures cost a sort of its timing rings (about half a millisecond), so the
 * snapshot is built one robot per turn of the event loop: due ticks run in between.
 */
export class StatusPublisher {
  #host: ControlHost;
  #post: (s: ControlStatus, policies: PolicyRuntimeStats | null) => void;
  #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #step: NodeJS.Immediate | null = null;

  constructor(host: ControlHost, post: (s: ControlStatus, policies: PolicyRuntimeStats | null) => void, intervalMs = 500) {
    this.#host = host;
    this.#post = post;
    this.#intervalMs = intervalMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#build();
    this.#timer = setInterval(() => this.#build(), this.#intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#step) clearImmediate(this.#step);
    this.#timer = null;
    this.#step = null;
  }

  #build(): void {
    if (this.#step) return; // the previous snapshot is still being built
    const ids = [...this.#host.fleet.robots.keys()];
    const robots: RobotStatus[] = [];
    const next = (i: number) => {
      this.#step = null;
      if (i < ids.length) {
        const t0 = performance.now();
        robots.push(this.#host.statusOf(ids[i]));
        const sec = (performance.now() - t0) / 1000;
        const f = this.#host.fleet.scheduler.figures;
        f.worked(sec, performance.now() / 1000);
        if (sec > f.slowFloorS) f.noteSlow(`status ${ids[i]}`, sec);
        this.#step = setImmediate(() => next(i + 1));
        return;
      }
      const status = { robots, schedulerOverruns: this.#host.fleet.scheduler.overruns, thread: this.#host.threadFigures() };
      this.#host.policyStats().then((policies) => this.#post(status, policies), () => this.#post(status, null));
    };
    next(0);
  }
}
