import { describe, expect, it } from 'vitest';
import { countOf, controlWords, episodeOutcomeWords } from '../../../web/ui/status-words.ts';

describe('status words', () => {
  it('says who drove a tick without raw protocol values', () => {
    expect(controlWords('policy', 'AUTONOMOUS')).toBe('policy driving');
    expect(controlWords('operator', 'INTERVENING')).toBe('operator driving');
    expect(controlWords('none', 'PAUSED')).toBe('paused, arm holding');
    expect(controlWords('none', 'ESTOP')).toBe('emergency stop, arm holding');
    expect(controlWords('operator', 'REWINDING')).toBe('rewinding');
    for (const mode of ['AUTONOMOUS', 'INTERVENING', 'PAUSED', 'ESTOP', 'REWINDING', 'SOMETHING_NEW']) {
      expect(controlWords('none', mode)).not.toMatch(/\bnone\b|[A-Z]{4,}/);
    }
  });

  it('says how an episode ended, and counts with the right noun', () => {
    expect(episodeOutcomeWords('success', 'complete')).toBe('succeeded');
    expect(episodeOutcomeWords('timeout', 'complete')).toBe('timed out');
    expect(episodeOutcomeWords(null, 'recording')).toBe('still recording');
    expect(episodeOutcomeWords(null, 'complete')).toBe('ended, outcome not marked');
    expect(countOf(1, 'intervention')).toBe('1 intervention');
    expect(countOf(0, 'intervention')).toBe('0 interventions');
  });
});
