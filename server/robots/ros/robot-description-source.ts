import { readFile } from 'node:fs/promises';
import { TakeoverError } from '../../errors.ts';
import type { ResolvedRosConfig } from './ros-config.ts';
import type { RosbridgeClient } from './rosbridge-client.ts';

/**
 * The URDF text of a ROS arm: from a file, or from a parameter through rosapi (which needs the
 * link up: it waits at most `connectTimeout`). Errors name the robot and what failed.
 */
export async function loadRobotDescription(id: string, config: ResolvedRosConfig, client: RosbridgeClient, readTextFile?: (path: string) => Promise<string>): Promise<string> {
  if ('file' in config.urdf) {
    try {
      return await (readTextFile ?? ((p: string) => readFile(p, 'utf8')))(config.urdf.file);
    } catch (err) {
      throw new TakeoverError('TKO_ERR_CONFIG', `robot '${id}': cannot read URDF file ${config.urdf.file}: ${(err as Error).message}`);
    }
  }
  const name = config.urdf.param;
  await withTimeout(client.open(), config.connectTimeout, `robot '${id}': rosbridge at ${config.url} did not answer within ${config.connectTimeout} s (needed for parameter '${name}')`);
  let value: unknown;
  try {
    value = await client.getParam(name, config.connectTimeout);
  } catch (err) {
    throw new TakeoverError('TKO_ERR_CONFIG', `robot '${id}': cannot read the URDF: ${(err as Error).message}`);
  }
  if (typeof value !== 'string') throw new TakeoverError('TKO_ERR_CONFIG', `robot '${id}': parameter '${name}' is not a URDF string`);
  return value;
}

/** Rejects with TKO_ERR_NOT_CONNECTED and `message` when `p` takes longer than `seconds`. */
export function withTimeout<T>(p: Promise<T>, seconds: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new TakeoverError('TKO_ERR_NOT_CONNECTED', message)), seconds * 1000)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
