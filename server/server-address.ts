import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { TakeoverConfig } from './config/config-schema.ts';

/**
 * Where this server listens, for the server registry: the bound address once listening (the
 * configured port may be 0), else the configured one. A wildcard bind names the machine instead,
 * so that the URL is one another machine can open.
 */
export function serverAddress(config: Pick<TakeoverConfig, 'host' | 'port' | 'tls'>, bound: AddressInfo | string | null): { url: string; host: string; port: number } {
  const port = bound && typeof bound === 'object' ? bound.port : config.port;
  const wildcard = config.host === '0.0.0.0' || config.host === '::' || config.host === '';
  const host = wildcard ? hostname() : config.host;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { url: `${config.tls ? 'https' : 'http'}://${urlHost}:${port}`, host, port };
}
