/**
 * A real arm's rewind (docs/learning-loop.md, after RaC's recovery): the recorded joint path played in reverse, one
 * recorded tick per control tick (the speed it was recorded at, so within the limits it obeyed),
 * through the safety filter like any command, until the arm settles on the target joints.
 */
export class DriveBack {
  readonly toStep: number;
  readonly #path: Float64Array[];
  readonly #tolerance: number;
  readonly #settleTicks: number;
  #i = 0;
  #settling = 0;

  constructor(path: Float64Array[], toStep: number, { tolerance = 0.01, settleTicks = 40 }: { tolerance?: number; settleTicks?: number } = {}) {
    if (path.length === 0) throw new Error('DriveBack: empty path');
    this.#path = path;
    this.toStep = toStep;
    this.#tolerance = tolerance;
    this.#settleTicks = settleTicks;
  }

  /** The target joints: the last point of the path. */
  get target(): Float64Array {
    return this.#path[this.#path.length - 1];
  }

  /**
   * Next joint target given the measured joints, or null when done (at the target within
   * tolerance, or settled as far as it will go).
   */
  next(measured: ArrayLike<number>): Float64Array | null {
    if (this.#i < this.#path.length - 1) return this.#path[++this.#i];
    let err = 0;
    const tgt = this.target;
    for (let k = 0; k < tgt.length; k++) err = Math.max(err, Math.abs(tgt[k] - measured[k]));
    if (err <= this.#tolerance || this.#settling++ >= this.#settleTicks) return null;
    return tgt;
  }
}
