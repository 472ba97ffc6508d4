import type { Mode } from '../../core/mode.ts';
import type { AttentionItem } from '../../protocol/messages.ts';
import type { LoopEvent } from '../control/control-loop-options.ts';
import { attentionFindings, type AttentionInput } from './attention-items.ts';
import { orderAttention } from './attention-order.ts';

/** How long a failed episode stays in the queue unless a later episode of the robot succeeds. */
export const FAILED_EPISODE_HOLD_MS = 60_000;

/** Status snapshots are at most this old (server/control-plane/status-publisher.ts publishes every 0.5 s). */
const SNAPSHOT_AGE_MS = 1000;

/**
 * The attention queue's state on the network thread: the last status of each robot (snapshots
 * and loop events), failed episodes from `episode_end` events, and when each item was first seen,
 * so an item keeps its place while it lasts. Pure of I/O: callers pass the time.
 */
export class AttentionTracker {
  readonly #robots = new Map<string, AttentionInput>();
  readonly #failed = new Map<string, { episodeId: string; at: number }>();
  readonly #since = new Map<string, number>();
  /** when each robot's last mode event came: a snapshot built before it must not undo it */
  readonly #modeEventAt = new Map<string, number>();
  readonly #holdMs: number;
  #items: AttentionItem[] = [];
  #signature = '';

  constructor(holdMs = FAILED_EPISODE_HOLD_MS) {
    this.#holdMs = holdMs;
  }

  /** the queue, most urgent first */
  get items(): AttentionItem[] {
    return this.#items;
  }

  /** Takes a status snapshot of the robots; true if the queue changed. */
  update(robots: readonly AttentionInput[], nowMs: number): boolean {
    for (const r of robots) {
      const prev = this.#robots.get(r.id);
      const fresh = prev && nowMs - (this.#modeEventAt.get(r.id) ?? -Infinity) < SNAPSHOT_AGE_MS;
      this.#robots.set(r.id, fresh ? { ...r, mode: prev.mode, modeReason: prev.modeReason } : { ...r });
    }
    return this.#rebuild(nowMs);
  }

  /** Applies a loop event at once (mode changes and episode ends run ahead of the next snapshot); true if the queue changed. */
  event(e: LoopEvent, nowMs: number): boolean {
    if (e.type === 'mode') {
      const r = this.#robots.get(e.robot);
      this.#modeEventAt.set(e.robot, nowMs);
      if (r && typeof e.mode === 'string') this.#robots.set(e.robot, { ...r, mode: e.mode as Mode, modeReason: typeof e.reason === 'string' ? e.reason : '' });
    } else if (e.type === 'episode_end') {
      if (e.outcome === 'failure') this.#failed.set(e.robot, { episodeId: String(e.episodeId ?? ''), at: nowMs });
      else if (e.outcome === 'success') this.#failed.delete(e.robot);
    }
    return this.#rebuild(nowMs);
  }

  /** Re-dates and re-orders the queue (failed episodes expire with time alone); true if it changed. */
  tick(nowMs: number): boolean {
    return this.#rebuild(nowMs);
  }

  #rebuild(nowMs: number): boolean {
    const items: AttentionItem[] = [];
    const seen = new Set<string>();
    for (const r of this.#robots.values()) {
      const findings = attentionFindings(r);
      const f = this.#failed.get(r.id);
      if (f && nowMs - f.at > this.#holdMs) this.#failed.delete(r.id);
      else if (f) findings.push({ robot: r.id, kind: 'failed_episode', reason: `episode ${f.episodeId} failed`, mode: r.mode, since: f.at });
      for (const x of findings) {
        const key = `${x.robot}\u0000${x.kind}`;
        seen.add(key);
        const since = x.since ?? this.#since.get(key) ?? nowMs;
        this.#since.set(key, since);
        items.push({ ...x, since });
      }
    }
    for (const key of this.#since.keys()) if (!seen.has(key)) this.#since.delete(key);
    this.#items = orderAttention(items);
    const signature = JSON.stringify(this.#items);
    const changed = signature !== this.#signature;
    this.#signature = signature;
    return changed;
  }
}
