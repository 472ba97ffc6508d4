/** An operator's command waiting for the control thread. */
export interface InboxItem {
  /** 'estop' and signs of life go first; 'safety' (pause, hand_back, reset_estop) next; teleops last, latest-wins */
  lane: 'urgent' | 'safety' | 'normal' | 'teleop';
  operatorId: string;
  /** teleops coalesce per robot and operator */
  robot?: string;
}

export interface InboxOptions {
  /** normal and safety commands waiting at most; more are refused (default 1024) */
  limit?: number;
}

/**
 * The control thread's inbox (docs/architecture.md "Threads"). Messages from the network thread
 * are pushed as they arrive and drained right after, in priority order: e-stops and signs of life
 * first, then pause / hand_back / reset_estop, then other commands in arrival order, then teleops.
 * A teleop supersedes the queued one of the same operator and robot (the loop keeps only the latest
 * teleop anyway), so however many arrive while the thread is busy, draining them costs one command
 * per robot. A safety command does not overtake an earlier non-teleop command of its own operator
 * (take_over then hand_back must stay in that order); it overtakes everything else.
 */
export class CommandInbox<T extends InboxItem> {
  #urgent: T[] = [];
  #ordered: T[] = [];
  #teleops = new Map<string, { item: T; superseded: T[] }>();
  #limit: number;

  constructor({ limit = 1024 }: InboxOptions = {}) {
    this.#limit = limit;
  }

  /** items waiting (superseded teleops not counted) */
  get size(): number {
    return this.#urgent.length + this.#ordered.length + this.#teleops.size;
  }

  /** Queues an item; false when the ordered lane is full (the caller refuses it). Urgent items and teleops are never refused. */
  push(item: T): boolean {
    if (item.lane === 'urgent') {
      this.#urgent.push(item);
      return true;
    }
    if (item.lane === 'teleop') {
      const key = `${item.robot}\u0000${item.operatorId}`;
      const prev = this.#teleops.get(key);
      if (prev) {
        // latest wins; the superseded one is answered with the result of the one that ran
        this.#teleops.delete(key);
        this.#teleops.set(key, { item, superseded: [...prev.superseded, prev.item] });
      } else this.#teleops.set(key, { item, superseded: [] });
      return true;
    }
    if (this.#ordered.length >= this.#limit) return false;
    if (item.lane === 'normal') {
      this.#ordered.push(item);
      return true;
    }
    // safety: ahead of every normal command, behind the safety ones already waiting and behind
    // any earlier normal command of the same operator
    let at = 0;
    for (let i = 0; i < this.#ordered.length; i++) {
      const o = this.#ordered[i];
      if (o.lane === 'safety' || o.operatorId === item.operatorId) at = i + 1;
    }
    this.#ordered.splice(at, 0, item);
    return true;
  }

  /**
   * Runs everything waiting, in priority order. `run` gets the item and the teleops it superseded
   * (to answer them alike). Items pushed while draining (by `run`) wait for the next drain.
   */
  drain(run: (item: T, superseded: readonly T[]) => void): number {
    const urgent = this.#urgent;
    const ordered = this.#ordered;
    const teleops = this.#teleops;
    this.#urgent = [];
    this.#ordered = [];
    this.#teleops = new Map();
    for (const it of urgent) run(it, []);
    for (const it of ordered) run(it, []);
    for (const { item, superseded } of teleops.values()) run(item, superseded);
    return urgent.length + ordered.length + teleops.size;
  }
}
