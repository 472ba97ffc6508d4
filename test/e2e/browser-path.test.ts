import { describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chooseBrowser, mergeArgs } from './browser-path.ts';

describe('mergeArgs', () => {
  it('keeps our SwiftShader flags over the package ones and drops its --headless', () => {
    const merged = mergeArgs(['--use-gl=angle', '--use-angle=swiftshader', "--headless='shell'", '--single-process', '--in-process-gpu', '--no-zygote']);
    expect(merged).not.toContain('--single-process');
    expect(merged).not.toContain('--in-process-gpu');
    expect(merged.some((a) => a.startsWith('--use-angle'))).toBe(false);
    expect(merged.filter((a) => a.startsWith('--use-gl'))).toEqual(['--use-gl=swiftshader']);
    expect(merged).toContain('--enable-unsafe-swiftshader');
    expect(merged).toContain('--no-zygote');
    expect(merged.some((a) => a.startsWith('--headless'))).toBe(false);
    expect(merged.slice(-CHROMIUM_ARGS.length)).toEqual(CHROMIUM_ARGS);
  });
});

describe('chooseBrowser', () => {
  it('names a bad TAKEOVER_E2E_BROWSER value', async () => {
    await expect(chooseBrowser({ TAKEOVER_E2E_BROWSER: 'firefox' })).rejects.toThrow(/TAKEOVER_E2E_BROWSER must be "npm" or "system", got "firefox"/);
  });
  it('TAKEOVER_E2E_BROWSER=npm gives the npm Chromium with our flags', async () => {
    const choice = await chooseBrowser({ TAKEOVER_E2E_BROWSER: 'npm' });
    expect(choice.source).toBe('npm');
    expect(choice.executablePath).not.toBe('/usr/bin/chromium');
    expect(choice.args).toContain('--use-gl=swiftshader');
    expect(choice.env.LANG).toBe('en_US.UTF-8');
  });
});
