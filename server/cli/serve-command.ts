import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig } from '../config/load-config.ts';
import { startServer } from '../main.ts';
import { intFlag, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

/** `takeover serve`: the server with its robots until SIGINT/SIGTERM. */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the server: robots, control loops, WebSocket /ws, REST /api, console at /',
  usage: 'takeover serve [--config FILE] [--host H] [--port N] [--data-dir DIR] [--robots N] [--rate HZ] [--seed N] [--database postgres://...] [--tls-cert FILE --tls-key FILE] [--no-build] [--json]',
  options: {
    robots: { type: 'string' },
    rate: { type: 'string' },
    'no-build': { type: 'boolean' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
  },
  async run(flags, values) {
    const config = loadConfig({
      config: flags.config, host: flags.host, port: flags.port, seed: flags.seed, database: values.database as string | undefined,
      dataDir: values['data-dir'] !== undefined || process.env.TAKEOVER_DATA_DIR ? flags.dataDir : undefined,
      robots: intFlag(values, 'robots'), controlRateHz: intFlag(values, 'rate'),
      tlsCert: values['tls-cert'] as string | undefined, tlsKey: values['tls-key'] as string | undefined,
    });
    // npm start builds the console once when it is missing.
    const webDir = resolve(config.webDir);
    if (!values['no-build'] && !existsSync(join(webDir, 'index.html')) && existsSync('web/index.html')) {
      process.stderr.write('takeover: building the console (npm run build)...\n');
      const r = spawnSync('npm', ['run', 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status !== 0) process.stderr.write('takeover: console build failed; serving the API only\n');
    }
    const server = await startServer(config);
    if (flags.json) printJson({ url: server.url, robots: [...server.app.control.robotIds], dataDir: config.dataDir });
    await new Promise<void>((done) => {
      const stop = (sig: string) => {
        process.stderr.write(`takeover: ${sig}, stopping (robots hold, recordings close)\n`);
        server.close().then(done, (err) => {
          process.stderr.write(`takeover: error while stopping: ${(err as Error).message}\n`);
          done();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    return 0;
  },
};
