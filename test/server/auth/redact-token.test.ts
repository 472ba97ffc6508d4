import { describe, expect, it } from 'vitest';
import { redactToken } from '../../../server/auth/redact-token.ts';

describe('redactToken', () => {
  it('hides every token value, whatever the spelling of the name', () => {
    expect(redactToken('/ws?token=secret-123&x=1')).toBe('/ws?token=***&x=1');
    expect(redactToken('/api/status?a=1&TOKEN=abc')).toBe('/api/status?a=1&TOKEN=***');
    expect(redactToken('/api/status?%74oken=secret-123')).toBe('/api/status?%74oken=***');
    expect(redactToken('/api/status?%74%6F%6B%65%6E=secret-123&b=2')).toBe('/api/status?%74%6F%6B%65%6E=***&b=2');
    expect(redactToken('/ws?token=%41%42secret#frag')).toBe('/ws?token=***#frag');
    expect(redactToken('/ws?a=1&token=x&token=y')).toBe('/ws?a=1&token=***&token=***');
    // a name that does not decode might be a token to some parser: hidden too
    expect(redactToken('/ws?%E0%A4%A=secret')).toBe('/ws?%E0%A4%A=***');
  });

  it('leaves other URLs alone', () => {
    expect(redactToken('/api/status')).toBe('/api/status');
    expect(redactToken('/api/episodes?robot=arm0&tokens=3')).toBe('/api/episodes?robot=arm0&tokens=3');
    expect(redactToken('/x?flag')).toBe('/x?flag');
  });
});
