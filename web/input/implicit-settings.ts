import type { ImplicitSettings } from './implicit-takeover.ts';

/** the longest idle hand back the field accepts, s */
export const MAX_HAND_BACK_S = 3600;

/** What a console remembers for this operator (localStorage, or a stand-in in tests). */
export interface SettingsStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** One key per operator: two operators sharing a browser keep their own choice. */
export function settingsKey(operatorId: string): string {
  return `takeover.implicit.${operatorId}`;
}

/** The operator's remembered settings; off (and no hand back) unless they turned it on. */
export function loadImplicitSettings(store: SettingsStore, operatorId: string): ImplicitSettings {
  const off: ImplicitSettings = { enabled: false, handBackAfterS: 0 };
  let raw: unknown;
  try {
    raw = JSON.parse(store.getItem(settingsKey(operatorId)) ?? 'null');
  } catch {
    return off; // a damaged entry falls back to the safe default
  }
  if (typeof raw !== 'object' || raw === null) return off;
  const r = raw as Record<string, unknown>;
  const s = typeof r.handBackAfterS === 'number' ? parseHandBackSeconds(String(r.handBackAfterS)) : 0;
  return { enabled: r.enabled === true, handBackAfterS: typeof s === 'number' ? s : 0 };
}

/** Remembers the operator's settings. */
export function saveImplicitSettings(store: SettingsStore, operatorId: string, s: ImplicitSettings): void {
  store.setItem(settingsKey(operatorId), JSON.stringify({ enabled: s.enabled, handBackAfterS: s.handBackAfterS }));
}

/** The hand-back field's text as seconds (empty = 0 = off), or an error naming what is wrong. */
export function parseHandBackSeconds(text: string): number | { error: string } {
  const t = text.trim();
  if (t === '') return 0;
  const v = Number(t);
  if (!Number.isFinite(v) || v < 0 || v > MAX_HAND_BACK_S) {
    return { error: `hand back after: '${text}' is not a number of seconds from 0 (off) to ${MAX_HAND_BACK_S}` };
  }
  return v;
}
