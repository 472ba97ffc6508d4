import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_ROLE_KEY } from '../../../server/api/route-roles.ts';
import { CLIENT_SCHEMAS, PROTOCOL_VERSION, type ClientMessage, type ClientMessageType, type ServerMessage } from '../../../protocol/messages.ts';
import { COMMAND_ROLES } from '../../../protocol/command-roles.ts';
import { startTestServer, TestClient, TOKENS } from '../support/test-server.ts';

type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const ROLE_TOKEN: Record<Role, string> = { viewer: TOKENS.eve.token, operator: TOKENS.alice.token, admin: TOKENS.admin.token };
/** the five identities of the matrix: no token, a token the server does not know, and one per role */
const IDENTITIES: Array<{ name: string; role: Role | null; token: string | null }> = [
  { name: 'no token', role: null, token: null },
  { name: 'bad token', role: null, token: 'not-a-known-token-0123456789' },
  ...(['viewer', 'operator', 'admin'] as const).map((role) => ({ name: role, role, token: ROLE_TOKEN[role] })),
];

interface Operation {
  security?: Array<Record<string, string[]>>;
  [REQUIRED_ROLE_KEY]?: Role;
  requestBody?: unknown;
}

let srv: Awaited<ReturnType<typeof startTestServer>>;
let operations: Array<{ method: string; path: string; op: Operation }>;

beforeAll(async () => {
  // recording and policies on, so that every route group is registered; REST budgets off
  srv = await startTestServer(
    { record: true, restLimits: { timeWindowMs: 60_000, readMax: 0, writeMax: 0 } },
    { recorder: undefined, policies: true },
  );
  const docs = await srv.app.inject({ method: 'GET', url: '/docs/json' });
  expect(docs.statusCode).toBe(200);
  const paths = docs.json().paths as Record<string, Record<string, Operation>>;
  operations = Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })));
}, 120_000);
afterAll(async () => {
  await srv?.close();
});

describe('REST auth matrix (every route in /docs/json x five identities)', () => {
  it('documents every route as public or bearer with its least role', () => {
    const names = operations.map((o) => `${o.method} ${o.path}`);
    // the route groups are all there (a document that lost them would make the matrix empty)
    expect(names).toEqual(expect.arrayContaining([
      'GET /api/health', 'GET /api/status', 'POST /api/status/reset-figures', 'GET /api/robots', 'GET /api/robots/{id}', 'GET /api/attention',
      'POST /api/robots/{id}/rewind', 'POST /api/robots/{id}/policy', 'GET /api/episodes', 'DELETE /api/episodes/{id}',
      'GET /api/policies', 'POST /api/training-jobs', 'DELETE /api/training-jobs/{id}',
    ]));
    for (const { method, path, op } of operations) {
      const what = `${method} ${path}`;
      const role = op[REQUIRED_ROLE_KEY];
      if (role === undefined) expect(op.security, `${what} is public: security []`).toEqual([]);
      else {
        expect(op.security, `${what} declares bearer auth`).toEqual([{ bearer: [] }]);
        expect(['viewer', 'operator', 'admin'], what).toContain(role);
      }
    }
    // a few pinned, so that a route demoted by mistake shows here too
    const roleOf = (m: string, p: string) => operations.find((o) => o.method === m && o.path === p)?.op[REQUIRED_ROLE_KEY];
    expect(roleOf('GET', '/api/health')).toBeUndefined();
    expect(roleOf('GET', '/api/status')).toBe('viewer');
    expect(roleOf('GET', '/api/attention')).toBe('viewer');
    expect(roleOf('POST', '/api/robots/{id}/rewind')).toBe('operator');
    expect(roleOf('POST', '/api/training-jobs')).toBe('operator');
    expect(roleOf('DELETE', '/api/episodes/{id}')).toBe('admin');
  });

  it('answers each identity as documented: 401 without a known token, 403 below the role, neither otherwise', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const { method, path, op } of operations) {
      const role = op[REQUIRED_ROLE_KEY];
      // path parameters get a well-formed value (robot 'arm0'; no episode, job or version has that name)
      const url = path.replace(/\{[^}]+\}/g, 'arm0');
      for (const who of IDENTITIES) {
        // bodies are empty objects: an allowed caller gets 400/404 at worst and nothing changes
        const r = await srv.app.inject({
          method: method as 'GET', url,
          headers: who.token ? { authorization: `Bearer ${who.token}` } : {},
          ...(op.requestBody ? { payload: {} } : {}),
        });
        calls++;
        let want: string;
        if (role === undefined) want = 'not 401/403';
        else if (who.role === null) want = '401';
        else if (RANK[who.role] < RANK[role]) want = '403';
        else want = 'not 401/403';
        const code = r.statusCode === 401 || r.statusCode === 403 ? (r.json() as { code: string }).code : '';
        const ok =
          want === '401' ? r.statusCode === 401 && code === 'TKO_ERR_UNAUTHENTICATED'
          : want === '403' ? r.statusCode === 403 && code === 'TKO_ERR_FORBIDDEN'
          : r.statusCode !== 401 && r.statusCode !== 403;
        if (!ok) failures.push(`${method} ${url} as ${who.name} (route role ${role ?? 'public'}): want ${want}, got ${r.statusCode} ${r.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBe(operations.length * IDENTITIES.length);
  }, 60_000);
});

/** One well-formed message of each type (robot 'arm0'); typed over every type, so a new one needs a sample. */
const SAMPLES: Record<ClientMessageType, ClientMessage> = {
  hello: { type: 'hello', protocol: PROTOCOL_VERSION },
  subscribe: { type: 'subscribe', robots: ['arm0'], maxRate: 1 },
  unsubscribe: { type: 'unsubscribe', robots: ['arm0'] },
  heartbeat: { type: 'heartbeat', t: 1 },
  take_over: { type: 'take_over', robot: 'arm0', ref: 1 },
  hand_back: { type: 'hand_back', robot: 'arm0', ref: 2 },
  pause: { type: 'pause', robot: 'arm0', ref: 3 },
  resume: { type: 'resume', robot: 'arm0', ref: 4 },
  estop: { type: 'estop', robot: 'arm0', ref: 5 },
  reset_estop: { type: 'reset_estop', robot: 'arm0', ref: 6 },
  teleop: { type: 'teleop', robot: 'arm0', ref: 7, kind: 'delta', action: [0, 0, 0, 0, 0, 0, 0] },
  reset_episode: { type: 'reset_episode', robot: 'arm0', ref: 8 },
  mark_outcome: { type: 'mark_outcome', robot: 'arm0', ref: 9, outcome: 'success' },
  rewind: { type: 'rewind', robot: 'arm0', ref: 10, seconds: 0.5 },
  dismiss_help: { type: 'dismiss_help', robot: 'arm0', ref: 11 },
};

describe('WebSocket auth matrix (every client message type x viewer, operator, admin)', () => {
  it('has a least role for every message type of the protocol', () => {
    expect(Object.keys(COMMAND_ROLES).sort()).toEqual(Object.keys(CLIENT_SCHEMAS).sort());
  });

  for (const role of ['viewer', 'operator', 'admin'] as const) {
    it(`refuses ${role} exactly the messages above its role, with TKO_ERR_FORBIDDEN`, async () => {
      const { client, info } = await TestClient.signIn(srv.url, ROLE_TOKEN[role]);
      try {
        // hello is the sign-in itself: every role gets server_info with its role
        expect(info.operator.role).toBe(role);
        const failures: string[] = [];
        for (const type of Object.keys(CLIENT_SCHEMAS) as ClientMessageType[]) {
          if (type === 'hello') continue;
          const sample = SAMPLES[type];
          expect(sample, `a sample ${type} message for the matrix`).toBeDefined();
          client.send(sample);
          // a heartbeat round trip: every answer to the sample has arrived when its ack does
          await client.sync();
          const answers = client.inbox.filter((m): m is Extract<ServerMessage, { type: 'error' | 'ack' }> => (m.type === 'error' || m.type === 'ack') && m.for === type);
          client.inbox.length = 0;
          const refused = answers.filter((m) => m.type === 'error' && (m.code === 'TKO_ERR_FORBIDDEN' || m.code === 'TKO_ERR_UNAUTHENTICATED'));
          const allowed = RANK[role] >= RANK[COMMAND_ROLES[type]];
          if (allowed && refused.length > 0) failures.push(`${type}: refused ${JSON.stringify(refused)}`);
          if (!allowed && !(refused.length === 1 && refused[0].type === 'error' && refused[0].code === 'TKO_ERR_FORBIDDEN')) failures.push(`${type}: want one TKO_ERR_FORBIDDEN, got ${JSON.stringify(answers)}`);
          // commands with a ref are answered either way: an ack, or an error that is not about the role
          if ('ref' in sample && sample.ref !== undefined && answers.length === 0) failures.push(`${type}: no answer`);
        }
        expect(failures).toEqual([]);
        expect(client.closed).toBeNull();
      } finally {
        client.ws.close();
      }
    }, 30_000);
  }
});
