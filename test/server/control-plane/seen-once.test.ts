import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeenOnce } from '../../../server/control-plane/seen-once.ts';

describe('SeenOnce', () => {
  it('is true for a key the first time and while forgotten, false for a repeat among the last `size`', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 200 }), (size, keys) => {
      const s = new SeenOnce(size);
      const remembered: string[] = [];
      for (const k of keys.map(String)) {
        const expected = !remembered.includes(k);
        expect(s.first(k)).toBe(expected);
        if (expected) {
          remembered.push(k);
          if (remembered.length > size) remembered.shift();
        }
      }
    }));
  });
});
