import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { TakeoverConfig } from './config/config-schema.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** Builds the app, listens, and prints where it is (the only place that listens). */
export async function startServer(config: TakeoverConfig, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<RunningServer> {
  const app = await buildApp(config, {
    onTokenCreated: (t, file) => log(adminTokenBanner(t.token, file)),
  });
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // a taken port or a robot that fails to start: stop the threads and close the recordings, then report
    await app.close().catch(() => {});
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
  const safety = app.safetyPort();
  const safetyNote = safety === null ? '' : `, safety socket ${config.tls ? 'wss' : 'ws'}://${host}:${safety}/safety`;
  log(`takeover: listening on ${url} (console /, API /api, docs /docs, WebSocket /ws${safetyNote}); robots: ${app.control.robotIds.join(', ')}`);
  return { app, url, close: () => app.close() };
}

const RULE = '='.repeat(72);

/** The first start's admin token as a banner that stands out from the JSON log lines around it. */
export function adminTokenBanner(token: string, file: string): string {
  return [
    '', RULE,
    '  takeover: no tokens configured, so this first start created an ADMIN TOKEN.',
    '  Paste it into the console\'s sign-in page. It is shown only now:',
    `  ${file} keeps only its digest. More tokens: npx takeover tokens add`,
    '',
    `      ${token}`,
    '', RULE, '',
  ].join('\n');
}
