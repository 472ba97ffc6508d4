/** Body poses of the live episode by step (what the console saw), for the rewind ghost. Bounded. */
export class StepPoses {
  #episodeId: string | null = null;
  readonly #poses = new Map<number, number[]>();

  constructor(readonly maxEntries = 20_000) {}

  /** Remembers a step's body poses; a new episode id forgets the old one. */
  push(episodeId: string, step: number, bodies: ArrayLike<number>): void {
    if (episodeId !== this.#episodeId) {
      this.#episodeId = episodeId;
      this.#poses.clear();
    }
    if (this.#poses.size >= this.maxEntries && !this.#poses.has(step)) {
      const oldest = this.#poses.keys().next().value as number;
      this.#poses.delete(oldest);
    }
    this.#poses.set(step, Array.from(bodies));
  }

  /** The poses seen at `step`, or null if none were. */
  at(step: number): number[] | null {
    return this.#poses.get(step) ?? null;
  }
}
