import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ATTENTION_KINDS, type AttentionItem } from '../../../protocol/messages.ts';
import { compareAttention, orderAttention } from '../../../server/attention/attention-order.ts';

// items as the tracker makes them: at most one per robot and kind
const items = fc
  .uniqueArray(
    fc.record({ robot: fc.constantFrom('arm0', 'arm1', 'arm2', 'arm10', 'b'), kind: fc.constantFrom(...ATTENTION_KINDS), since: fc.integer({ min: 0, max: 20 }), recovered: fc.boolean() }),
    { selector: (x) => `${x.robot}/${x.kind}`, maxLength: 30 },
  )
  .map((xs) => xs.map(({ recovered, ...x }): AttentionItem => ({
    ...x, reason: x.kind, mode: x.kind === 'estop' ? 'ESTOP' : 'AUTONOMOUS',
    ...(x.kind === 'help' ? { help: { reason: 'risk', score: 1, threshold: 0.9, since: x.since, action: 'notify', ...(recovered ? { over: false } : {}) } } : {}),
  })));

describe('attention order', () => {
  it('is total: two different items never compare equal, and the comparison is antisymmetric', () => {
    fc.assert(fc.property(items, (xs) => {
      for (const a of xs) for (const b of xs) {
        const c = compareAttention(a, b);
        if (a === b) expect(c).toBe(0);
        else {
          expect(c).not.toBe(0);
          expect(Math.sign(compareAttention(b, a))).toBe(-Math.sign(c));
        }
      }
    }));
  });

  it('does not depend on the order items come in (stable under any shuffle)', () => {
    fc.assert(fc.property(items.chain((xs) => fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }))), ([xs, shuffled]) => {
      expect(orderAttention(shuffled)).toEqual(orderAttention(xs));
    }));
  });

  it('puts every e-stop first, then kinds by urgency; help requests still over the threshold before recovered ones; the longest waiting first within that', () => {
    fc.assert(fc.property(items, (xs) => {
      const out = orderAttention(xs);
      const rank = (x: AttentionItem) => ATTENTION_KINDS.indexOf(x.kind);
      const recovered = (x: AttentionItem) => (x.help?.over === false ? 1 : 0);
      if (xs.some((x) => x.kind === 'estop')) expect(out[0].kind).toBe('estop');
      for (let i = 1; i < out.length; i++) {
        expect(rank(out[i - 1])).toBeLessThanOrEqual(rank(out[i]));
        if (rank(out[i - 1]) !== rank(out[i])) continue;
        expect(recovered(out[i - 1])).toBeLessThanOrEqual(recovered(out[i]));
        if (recovered(out[i - 1]) === recovered(out[i])) expect(out[i - 1].since).toBeLessThanOrEqual(out[i].since);
      }
    }));
  });
});
