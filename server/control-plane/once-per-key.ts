/**
 * Runs something once per key among the last `size` keys: a repeat gets the first run's result
 * without running again. Copies of one e-stop press, sent on two sockets, act once and are
 * answered alike (a refused press is refused again, a landed one acked).
 */
export class OncePerKey<T> {
  readonly #results = new Map<string, T>();
  readonly #order: string[] = [];
  #next = 0;

  constructor(readonly size = 256) {}

  /** `fn()` the first time `key` is seen (its result is remembered); the remembered result for a repeat. */
  run(key: string, fn: () => T): T {
    if (this.#results.has(key)) return this.#results.get(key) as T;
    const result = fn();
    if (this.#order.length < this.size) this.#order.push(key);
    else {
      this.#results.delete(this.#order[this.#next]);
      this.#order[this.#next] = key;
      this.#next = (this.#next + 1) % this.size;
    }
    this.#results.set(key, result);
    return result;
  }
}
