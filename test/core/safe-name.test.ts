import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { isSafeName, RecordIdSchema, RobotIdSchema, SafeNameSchema } from '../../core/safe-name.ts';

const SCHEMAS = { name: SafeNameSchema(), robot: RobotIdSchema(), record: RecordIdSchema() };

describe('safe names', () => {
  it('accepts the names the server makes and configs use', () => {
    for (const n of ['default', 'v12', 'place-sirius.2', 'a_b', 'V1.0-rc_2']) expect(isSafeName(n), n).toBe(true);
    expect(Value.Check(SCHEMAS.robot, 'arm0')).toBe(true);
    expect(Value.Check(SCHEMAS.robot, 'sim-1')).toBe(true);
    expect(Value.Check(SCHEMAS.record, '3f2b8a4e-9c1d-4f7e-8a6b-2d9e0c1b5a7f')).toBe(true);
    expect(Value.Check(SCHEMAS.record, '_x')).toBe(true);
  });

  it('refuses traversal, separators, hidden names and names too long', () => {
    for (const n of ['', '..', '../../x', 'a..b', '.hidden', '-x', 'x/y', 'x\\y', 'a b', 'x'.repeat(65), 'é']) {
      expect(isSafeName(n), JSON.stringify(n)).toBe(false);
      expect(Value.Check(SCHEMAS.name, n), JSON.stringify(n)).toBe(false);
    }
    expect(Value.Check(SCHEMAS.robot, 'a..b')).toBe(false);
    expect(Value.Check(SCHEMAS.record, '..')).toBe(false);
  });

  it('never admits a name that is more than one plain path component (property)', () => {
    for (const schema of Object.values(SCHEMAS)) {
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom('a', 'Z', '0', '.', '_', '-', '/', '\\', ' ', '\0'), maxLength: 140 }), (s) => {
          if (!Value.Check(schema, s)) return;
          expect(s).not.toMatch(/[/\\\0 ]/);
          expect(s).not.toContain('..');
          expect(s.startsWith('.') || s.startsWith('-')).toBe(false);
          expect(s.length).toBeGreaterThan(0);
          expect(s.length).toBeLessThanOrEqual(schema === SCHEMAS.record ? 128 : 64);
        }),
        { numRuns: 2000 },
      );
    }
  });
});
