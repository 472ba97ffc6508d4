import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OncePerKey } from '../../../server/control-plane/once-per-key.ts';

describe('OncePerKey', () => {
  it('runs a key the first time and once forgotten; a repeat among the last `size` gets the first result without running', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 200 }), (size, keys) => {
      const once = new OncePerKey<number>(size);
      const remembered = new Map<string, number>();
      const order: string[] = [];
      let runs = 0;
      for (const k of keys.map(String)) {
        const before = runs;
        const got = once.run(k, () => ++runs);
        if (remembered.has(k)) {
          expect(runs).toBe(before);
          expect(got).toBe(remembered.get(k));
        } else {
          expect(got).toBe(runs);
          remembered.set(k, got);
          order.push(k);
          if (order.length > size) remembered.delete(order.shift()!);
        }
      }
    }));
  });
});
