import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { SampleRing } from '../control/rate-meter.ts';

/** Garbage-collection pauses of the calling thread over the current window. */
export interface GcPausesReading {
  count: number;
  totalMs: number;
  p99Ms: number | null;
  maxMs: number | null;
  /** of which full (mark-compact) collections */
  major: number;
}

// perf_hooks' NODE_PERFORMANCE_GC_MAJOR
const GC_MAJOR = 4;

/**
 * Watches this thread's collections (each one stops the thread's JavaScript, ticks included), so
 * that a late tick can be told from a collection (docs/architecture.md "Threads").
 */
export class GcPauses {
  readonly #ring = new SampleRing(1024);
  #count = 0;
  #total = 0;
  #major = 0;
  #observer: PerformanceObserver | null = null;

  start(): void {
    if (this.#observer) return;
    this.#observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) this.record(e); });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.#observer?.disconnect();
    this.#observer = null;
  }

  /** one collection (exposed for tests) */
  record(e: Pick<PerformanceEntry, 'duration'> & { detail?: unknown }): void {
    this.#ring.push(e.duration);
    this.#count++;
    this.#total += e.duration;
    if ((e.detail as { kind?: number } | undefined)?.kind === GC_MAJOR) this.#major++;
  }

  reset(): void {
    this.#ring.clear();
    this.#count = 0;
    this.#total = 0;
    this.#major = 0;
  }

  read(): GcPausesReading {
    const [p99, max] = this.#ring.percentiles([99, 100]);
    const f = (x: number) => (Number.isFinite(x) ? x : null);
    return { count: this.#count, totalMs: this.#total, p99Ms: f(p99), maxMs: f(max), major: this.#major };
  }
}
