import type { AttentionItem, AttentionKind } from '../../protocol/messages.ts';

/** The kinds that raise an alert when they appear (a slow loop or a failed episode only shows in the queue). */
const ALERTING: ReadonlySet<AttentionKind> = new Set(['estop', 'paused', 'stale', 'help']);

/** An item's identity across queue updates: a new help request (another `since`) is a new alert. */
const keyOf = (i: AttentionItem) => `${i.robot}\u0000${i.kind}\u0000${i.kind === 'help' ? i.since : ''}`;

/** The alerting items of `next` that `prev` did not have: e-stops, pauses (heartbeat loss among them), stale links, new help requests. */
export function newAlerts(prev: readonly AttentionItem[], next: readonly AttentionItem[]): AttentionItem[] {
  const had = new Set(prev.map(keyOf));
  return next.filter((i) => ALERTING.has(i.kind) && !had.has(keyOf(i)));
}

/** Words for an alert line. */
export function alertText(i: AttentionItem): string {
  const what = { estop: 'E-STOP', paused: 'PAUSED', stale: 'STALE', help: 'HELP', rate: 'SLOW', failed_episode: 'FAILED' }[i.kind];
  return `${i.robot}: ${what} · ${i.reason}`;
}

/** A short beep through Web Audio (the optional alert sound; browsers allow it after a user gesture). */
export class AlertSound {
  #ctx: AudioContext | null = null;

  beep(urgent: boolean): void {
    try {
      this.#ctx ??= new AudioContext();
      const ctx = this.#ctx;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = urgent ? 880 : 660;
      gain.gain.setValueAtTime(0.15, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    } catch {
      // no audio device or not allowed: the visual alert stands alone
    }
  }

  close(): void {
    void this.#ctx?.close();
    this.#ctx = null;
  }
}
