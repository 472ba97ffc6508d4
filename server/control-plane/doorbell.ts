/**
 * A counter in shared memory that the threads sending the control thread messages ring after each
 * post (docs/architecture.md "Threads"). The control thread sleeps out the last moments before a
 * tick in the kernel (Atomics.wait), where a message posted to it would otherwise wait until the
 * tick is done; waiting on this cell instead, it wakes at the ring and takes the message at once.
 */
export class Doorbell {
  readonly #cell: Int32Array;

  /** `buffer`: the bell's shared memory, when another thread made it (4 bytes) */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.#cell = new Int32Array(buffer, 0, 1);
  }

  /** the shared memory, to hand to another thread */
  get buffer(): SharedArrayBuffer {
    return this.#cell.buffer as SharedArrayBuffer;
  }

  /** Rings: wakes the control thread if it sleeps on the bell (cheap when nobody waits). */
  ring(): void {
    Atomics.add(this.#cell, 0, 1);
    Atomics.notify(this.#cell, 0);
  }

  /** how many times it rang (wraps around) */
  read(): number {
    return Atomics.load(this.#cell, 0);
  }

  /** Sleeps the calling thread until the bell rings after `seen` (a `read()`) or `ms` pass; true when it rang. */
  wait(seen: number, ms: number): boolean {
    return Atomics.wait(this.#cell, 0, seen, ms) !== 'timed-out';
  }
}
