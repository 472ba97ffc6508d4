import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../protocol/codec.ts';
import { unpackRobotModels } from '../../../protocol/fleet-models.ts';
import { replicateRobots } from '../../../server/config/load-config.ts';
import { isState, startTestServer, TestClient, TOKENS } from '../support/test-server.ts';

// 64 sim robots: server_info once carried every model (about 4 KB a robot) and passed the
// clients' 64 KiB frame limit from about 16 robots on, so no client could sign in.
const N = 64;
let srv: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  srv = await startTestServer({ robots: replicateRobots({ id: 'arm0', kind: 'sim', task: 'place' }, N) });
}, 300_000); // 64 MuJoCo models on two loaded cores
afterAll(async () => srv?.close());

describe(`a fleet of ${N} sim robots`, () => {
  it('signs a client in with one model for the kind, and every robot gets it back', async () => {
    const { client, info } = await TestClient.signIn(srv.url, TOKENS.eve.token);
    expect(info.robots).toHaveLength(N);
    expect(Object.keys(info.models)).toEqual(['sim']);
    const fleet = unpackRobotModels(info);
    expect(fleet.robots.every((r) => r.model?.format === 'geoms')).toBe(true);
    // JSON: msgpack does not keep the sign of a zero
    expect(JSON.stringify(fleet.robots[N - 1].model)).toBe(JSON.stringify(srv.app.fleet.info(`arm${N - 1}`).model));
    console.log(`[fleet] server_info with ${N} sim robots: ${encodeMessage(info).byteLength} bytes`);
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    srv.tick();
    await client.next(isState(`arm${N - 1}`));
    client.close();
  });
});
