/** One remembered tick: where the arm was at the start of step `step`, and the exact sim state if the bridge has one. */
export interface RewindEntry {
  step: number;
  /** loop time, s */
  t: number;
  q: Float64Array;
  snapshot: unknown | null;
}

/** Where to rewind to: a step index of the current episode, or a number of seconds back. */
export type RewindTarget = { toStep: number } | { seconds: number };

/**
 * A bounded ring of the last `horizon` seconds of one robot's ticks (docs/learning-loop.md):
 * exact physics snapshots for simulators, the joint path for real arms. Slots and their joint
 * arrays are allocated once; a slot keeps its snapshot after its entry is forgotten (new episode,
 * undone steps) to be filled again, because episodes are shorter than the horizon and a ring that
 * dropped them would allocate a snapshot per tick, each living for the episode (old-generation
 * garbage that makes every young-generation collection of the control thread slow).
 */
export class RewindBuffer {
  readonly capacity: number;
  readonly #slots: RewindEntry[];
  #start = 0;
  #size = 0;
  /** bytes of the snapshots the slots hold, in use or kept for reuse */
  #snapshotBytes = 0;

  constructor({ horizonSeconds = 60, rateHz, dof }: { horizonSeconds?: number; rateHz: number; dof: number }) {
    this.capacity = Math.max(2, Math.ceil(horizonSeconds * rateHz) + 1);
    this.#slots = Array.from({ length: this.capacity }, () => ({ step: -1, t: 0, q: new Float64Array(dof), snapshot: null }));
  }

  get size(): number {
    return this.#size;
  }

  /** Memory held, bytes (joint arrays plus snapshots), for the status API. */
  get bytes(): number {
    const dof = this.#slots[0].q.length;
    return this.capacity * (dof * 8 + 48) + this.#snapshotBytes;
  }

  /** The oldest remembered step, null when empty. */
  get oldestStep(): number | null {
    return this.#size === 0 ? null : this.#at(0).step;
  }

  /** Seconds of history available now. */
  get horizonAvailable(): number {
    return this.#size < 2 ? 0 : this.#at(this.#size - 1).t - this.#at(0).t;
  }

  /** The snapshot the next push will overwrite (the oldest entry's when full, else one kept from a forgotten entry), for reuse; null if none. */
  evictable(): unknown | null {
    return this.#slots[(this.#start + this.#size) % this.capacity].snapshot;
  }

  /** Remembers the start of a step. */
  push(step: number, t: number, q: ArrayLike<number>, snapshot: unknown | null): void {
    const idx = (this.#start + this.#size) % this.capacity;
    if (this.#size === this.capacity) this.#start = (this.#start + 1) % this.capacity;
    else this.#size++;
    const slot = this.#slots[idx];
    slot.step = step;
    slot.t = t;
    slot.q.set(q as ArrayLike<number>);
    if (slot.snapshot !== snapshot) {
      this.#snapshotBytes += sizeOf(snapshot) - sizeOf(slot.snapshot);
      slot.snapshot = snapshot;
    }
  }

  /** The newest entry at or before the target, or null when the target is beyond the horizon or in the future. */
  find(target: RewindTarget): RewindEntry | null {
    if (this.#size === 0) return null;
    const newest = this.#at(this.#size - 1);
    for (let i = this.#size - 1; i >= 0; i--) {
      const e = this.#at(i);
      if ('toStep' in target ? e.step <= target.toStep : newest.t - e.t >= target.seconds - 1e-9) {
        if ('toStep' in target && e.step !== target.toStep) return null; // that step is not remembered
        return e;
      }
    }
    return null;
  }

  /** Joint path from the newest entry back to (and including) `toStep`, newest first. */
  pathBack(toStep: number): Float64Array[] {
    const path: Float64Array[] = [];
    for (let i = this.#size - 1; i >= 0; i--) {
      const e = this.#at(i);
      if (e.step < toStep) break;
      path.push(Float64Array.from(e.q));
    }
    return path;
  }

  /** Forgets entries after `step` (they were undone); their slots keep the snapshots for reuse. */
  truncateAfter(step: number): void {
    while (this.#size > 0 && this.#at(this.#size - 1).step > step) this.#size--;
  }

  /** Forgets everything (new episode); the slots keep their snapshots for reuse. */
  clear(): void {
    this.#size = 0;
  }

  #at(i: number): RewindEntry {
    return this.#slots[(this.#start + i) % this.capacity];
  }
}

function sizeOf(snapshot: unknown): number {
  const s = snapshot as { state?: { byteLength?: number } } | null;
  return s?.state?.byteLength ?? 0;
}
