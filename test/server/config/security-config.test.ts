import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/config/load-config.ts';
import { readTlsFiles } from '../../../server/config/tls-files.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'takeover-seccfg-'));

describe('security configuration', () => {
  it('takes TLS files from flags or environment, both or neither', () => {
    const d = dir();
    expect(loadConfig({}, {}, d).tls).toBeUndefined();
    expect(loadConfig({ tlsCert: 'c.pem', tlsKey: 'k.pem' }, {}, d).tls).toEqual({ cert: 'c.pem', key: 'k.pem' });
    expect(loadConfig({}, { TAKEOVER_TLS_CERT: 'c.pem', TAKEOVER_TLS_KEY: 'k.pem' }, d).tls).toEqual({ cert: 'c.pem', key: 'k.pem' });
    expect(() => loadConfig({ tlsCert: 'c.pem' }, {}, d)).toThrow(/TLS needs both a certificate and a key/);
  });

  it('names an unreadable TLS file', () => {
    expect(() => readTlsFiles({ cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' })).toThrow(/cannot read tls\.cert '\/nonexistent\/cert\.pem': ENOENT/);
  });

  it('validates allowedOrigins as scheme://host[:port] and merges audit over its defaults', () => {
    const d = dir();
    const f = join(d, 'c.json');
    writeFileSync(f, JSON.stringify({ allowedOrigins: ['https://console.lab.example:8443'], audit: { keepFiles: 2 } }));
    const c = loadConfig({ config: f }, {}, d);
    expect(c.allowedOrigins).toEqual(['https://console.lab.example:8443']);
    expect(c.audit).toEqual({ maxFileBytes: 10 * 1024 * 1024, keepFiles: 2 });
    writeFileSync(f, JSON.stringify({ allowedOrigins: ['https://console.lab.example/path'] }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/\/allowedOrigins\/0/);
    writeFileSync(f, JSON.stringify({ audit: { maxFileBytes: 10 } }));
    expect(() => loadConfig({ config: f }, {}, d)).toThrow(/\/audit\/maxFileBytes/);
  });
});
