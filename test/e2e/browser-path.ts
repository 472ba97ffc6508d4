import { existsSync } from 'node:fs';

/** Debian's Chromium, used when installed (or TAKEOVER_CHROMIUM names another binary). */
export const SYSTEM_CHROMIUM = process.env.TAKEOVER_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that give WebGL2 on SwiftShader in headless Chromium (checked with Debian's and the npm one). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--use-gl=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
];

export interface BrowserChoice {
  source: 'system' | 'npm';
  executablePath: string;
  args: string[];
  /** the browser's environment */
  env: NodeJS.ProcessEnv;
}

const flagName = (arg: string) => arg.split('=')[0];

/**
 * Package flags we leave out: Playwright passes its own --headless, its ANGLE choice would fight
 * our `--use-gl=swiftshader`, and with `--single-process` / `--in-process-gpu` that flag crashes
 * the npm build at launch (SIGTRAP, seen with 153.0.0); one process per tab also suits the tests.
 */
const DROPPED = new Set(['--headless', '--use-angle', '--single-process', '--in-process-gpu']);

/** Our flags after the npm package's own, without the package flags we set ourselves or drop. */
export function mergeArgs(packageArgs: readonly string[], ours: readonly string[] = CHROMIUM_ARGS): string[] {
  const mine = new Set(ours.map(flagName));
  const kept = packageArgs.filter((a) => !mine.has(flagName(a)) && !DROPPED.has(flagName(a)));
  return [...kept, ...ours];
}

/**
 * Picks the browser for the e2e tests: Debian's Chromium when present, else `@sparticuz/chromium`
 * from npm (so `npm ci && npm test` needs nothing else). TAKEOVER_E2E_BROWSER=npm forces the npm one.
 */
export async function chooseBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  const want = env.TAKEOVER_E2E_BROWSER;
  if (want !== undefined && want !== 'npm' && want !== 'system') {
    throw new Error(`TAKEOVER_E2E_BROWSER must be "npm" or "system", got "${want}"`);
  }
  if (want !== 'npm' && (want === 'system' || existsSync(SYSTEM_CHROMIUM))) {
    if (!existsSync(SYSTEM_CHROMIUM)) throw new Error(`TAKEOVER_E2E_BROWSER=system but no Chromium at ${SYSTEM_CHROMIUM}`);
    return { source: 'system', executablePath: SYSTEM_CHROMIUM, args: CHROMIUM_ARGS, env };
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  // Under LANG=C.UTF-8 the npm build reports navigator.language "en-US@posix", which Intl rejects.
  return { source: 'npm', executablePath: await chromium.executablePath(), args: mergeArgs(chromium.args), env: { ...env, LANG: 'en_US.UTF-8' } };
}
