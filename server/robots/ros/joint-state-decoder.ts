/**
 * Validates incoming sensor_msgs/JointState messages and reorders them by name into takeover's
 * joint order. A message with no arm joints (a gripper-only publisher on the same topic) updates
 * only the gripper; a message with some but not all arm joints, or a non-finite position, is
 * rejected with a reason and changes nothing.
 */
export class JointStateDecoder {
  readonly q: Float64Array;
  readonly qd: Float64Array;
  /** sum of the gripper joints' positions, m (NaN until seen or when none are configured) */
  gripper = NaN;
  readonly #names: string[];
  readonly #gripperJoints: string[];
  #lastNames: unknown[] = [];
  #armIdx: number[] = [];
  #gripIdx: number[] = [];

  constructor(jointNames: string[], gripperJoints: string[] = []) {
    this.#names = jointNames;
    this.#gripperJoints = gripperJoints;
    this.q = new Float64Array(jointNames.length);
    this.qd = new Float64Array(jointNames.length);
  }

  /**
   * Decodes one message. Returns 'arm' when the arm joints were updated, 'gripper' when only the
   * gripper was, or a string starting with 'rejected:' naming the problem.
   */
  decode(msg: unknown): 'arm' | 'gripper' | `rejected: ${string}` {
    if (typeof msg !== 'object' || msg === null) return 'rejected: JointState is not an object';
    const m = msg as { name?: unknown; position?: unknown; velocity?: unknown };
    if (!Array.isArray(m.name) || !Array.isArray(m.position)) return 'rejected: JointState needs name and position arrays';
    if (m.name.length !== m.position.length) return `rejected: JointState has ${m.name.length} names but ${m.position.length} positions`;
    const vel = Array.isArray(m.velocity) && m.velocity.length === m.name.length ? m.velocity : null;
    const names = m.name as unknown[];
    if (!sameNames(names, this.#lastNames)) {
      this.#armIdx = this.#names.map((n) => names.indexOf(n));
      this.#gripIdx = this.#gripperJoints.map((n) => names.indexOf(n));
      this.#lastNames = [...names];
    }
    const present = this.#armIdx.filter((i) => i >= 0).length;
    if (present > 0 && present < this.#names.length) {
      return `rejected: JointState lacks ${this.#names.filter((_, k) => this.#armIdx[k] < 0).join(', ')}`;
    }
    const pos = m.position as unknown[];
    for (const i of [...this.#armIdx, ...this.#gripIdx]) {
      if (i >= 0 && !(typeof pos[i] === 'number' && Number.isFinite(pos[i]))) return `rejected: JointState position of '${String(names[i])}' is ${JSON.stringify(pos[i])}`;
    }
    const gripSeen = this.#gripIdx.length > 0 && this.#gripIdx.every((i) => i >= 0);
    if (present === 0 && !gripSeen) return `rejected: JointState names none of ${[...this.#names, ...this.#gripperJoints].join(', ')}`;
    if (gripSeen) this.gripper = this.#gripIdx.reduce((s, i) => s + (pos[i] as number), 0);
    if (present === 0) return 'gripper';
    for (let k = 0; k < this.#names.length; k++) {
      const i = this.#armIdx[k];
      this.q[k] = pos[i] as number;
      const v = vel ? vel[i] : 0;
      this.qd[k] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
    }
    return 'arm';
  }
}

function sameNames(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
