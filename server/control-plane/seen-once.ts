/**
 * Remembers the last `size` keys: `first(key)` is true the first time a key is offered and false
 * while it is still remembered. Copies of one e-stop press, sent on two sockets, act once.
 */
export class SeenOnce {
  readonly #keys = new Set<string>();
  readonly #order: string[] = [];
  #next = 0;

  constructor(readonly size = 256) {}

  /** True the first time `key` is seen (it is then remembered); false for a repeat. */
  first(key: string): boolean {
    if (this.#keys.has(key)) return false;
    if (this.#order.length < this.size) this.#order.push(key);
    else {
      this.#keys.delete(this.#order[this.#next]);
      this.#order[this.#next] = key;
      this.#next = (this.#next + 1) % this.size;
    }
    this.#keys.add(key);
    return true;
  }
}
