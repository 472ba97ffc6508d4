import type { AttentionItem } from '../../protocol/messages.ts';
import type { ControlPlane } from '../control-plane/control-plane.ts';
import type { LoopEvent } from '../control/control-loop-options.ts';
import { AttentionTracker } from './attention-tracker.ts';

export interface AttentionFeedOptions {
  /** status snapshots read this often, ms */
  intervalMs?: number;
  /** the queue changed: tell the clients */
  onChange?: (items: AttentionItem[], atMs: number) => void;
  now?: () => number;
  tracker?: AttentionTracker;
}

/**
 * Feeds the attention queue on the network thread: the control side's status snapshots (on the
 * control worker, the published snapshot: the loops are not asked) every `intervalMs`, and loop
 * events as they come. Calls `onChange` when the ordered list differs.
 */
export class AttentionFeed {
  readonly tracker: AttentionTracker;
  readonly #control: ControlPlane;
  readonly #intervalMs: number;
  readonly #onChange: (items: AttentionItem[], atMs: number) => void;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #at = 0;

  constructor(control: ControlPlane, { intervalMs = 500, onChange = () => {}, now = Date.now, tracker = new AttentionTracker() }: AttentionFeedOptions = {}) {
    this.#control = control;
    this.#intervalMs = intervalMs;
    this.#onChange = onChange;
    this.#now = now;
    this.tracker = tracker;
  }

  /** the queue, most urgent first, and when it was last brought up to date (epoch ms) */
  list(): { items: AttentionItem[]; at: number } {
    return { items: this.tracker.items, at: this.#at };
  }

  start(): void {
    if (this.#timer) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Reads the robots' status (`fresh`: ask the control side now) and updates the queue. */
  async refresh(fresh = false): Promise<void> {
    let robots;
    try {
      robots = (await this.#control.status(fresh)).robots;
    } catch {
      return; // the control side is gone: /api/status says so; the queue keeps its last word
    }
    this.#apply(this.tracker.update(robots, this.#now()));
  }

  /** A loop event: mode changes and episode ends at once; a help request asks for fresh status. */
  event(e: LoopEvent): void {
    this.#apply(this.tracker.event(e, this.#now()));
    if ((e.type as string) === 'help') void this.refresh(true);
  }

  #apply(changed: boolean): void {
    this.#at = this.#now();
    if (changed) this.#onChange(this.tracker.items, this.#at);
  }
}
