import { readFileSync } from 'node:fs';
import { TakeoverError } from '../errors.ts';
import type { TlsConfig } from './config-schema.ts';

/** The PEM certificate and key of `tls`, read now so that a bad path fails the start with its name. */
export function readTlsFiles(tls: TlsConfig): { cert: Buffer; key: Buffer } {
  const read = (what: 'cert' | 'key') => {
    try {
      return readFileSync(tls[what]);
    } catch (err) {
      throw new TakeoverError('TKO_ERR_CONFIG', `cannot read tls.${what} '${tls[what]}': ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read('cert'), key: read('key') };
}
