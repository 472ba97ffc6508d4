import { describe, expect, it } from 'vitest';
import { loadImplicitSettings, MAX_HAND_BACK_S, parseHandBackSeconds, saveImplicitSettings, settingsKey, type SettingsStore } from '../../../web/input/implicit-settings.ts';

function memory(): SettingsStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}

describe('implicit take-over settings', () => {
  it('are off with no hand back until the operator turns them on', () => {
    expect(loadImplicitSettings(memory(), 'alice')).toEqual({ enabled: false, handBackAfterS: 0 });
  });

  it('are remembered per operator', () => {
    const m = memory();
    saveImplicitSettings(m, 'alice', { enabled: true, handBackAfterS: 2 });
    expect(loadImplicitSettings(m, 'alice')).toEqual({ enabled: true, handBackAfterS: 2 });
    expect(loadImplicitSettings(m, 'bob')).toEqual({ enabled: false, handBackAfterS: 0 });
  });

  it('a damaged or foreign entry falls back to off', () => {
    const m = memory();
    for (const raw of ['{not json', '"on"', '[]', '{"enabled":"yes","handBackAfterS":-4}', `{"enabled":true,"handBackAfterS":${MAX_HAND_BACK_S + 1}}`]) {
      m.setItem(settingsKey('alice'), raw);
      const s = loadImplicitSettings(m, 'alice');
      expect([raw, s.handBackAfterS]).toEqual([raw, 0]);
      expect(s.enabled === true).toBe(raw.startsWith('{"enabled":true'));
    }
  });

  it('the hand-back field accepts seconds from 0 and names what is wrong otherwise', () => {
    expect(parseHandBackSeconds('')).toBe(0);
    expect(parseHandBackSeconds(' 2.5 ')).toBe(2.5);
    expect(parseHandBackSeconds('0')).toBe(0);
    for (const bad of ['-1', 'abc', 'Infinity', String(MAX_HAND_BACK_S + 1)]) {
      expect(parseHandBackSeconds(bad)).toEqual({ error: `hand back after: '${bad}' is not a number of seconds from 0 (off) to ${MAX_HAND_BACK_S}` });
    }
  });
});
