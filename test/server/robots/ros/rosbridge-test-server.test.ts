import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RosbridgeTestServer } from './rosbridge-test-server.ts';
import { until } from './wait-until.ts';

/** A raw rosbridge client over ws: sends ops, collects what comes back. */
async function rawClient(url: string) {
  const ws = new WebSocket(url);
  const inbox: Array<Record<string, any>> = [];
  ws.on('message', (d) => inbox.push(JSON.parse(d.toString())));
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  return { ws, inbox, send: (o: unknown) => ws.send(typeof o === 'string' ? o : JSON.stringify(o)) };
}

describe('RosbridgeTestServer (rosbridge v2 protocol double)', () => {
  let server: RosbridgeTestServer;
  afterEach(async () => server?.close());

  const start = (rosVersion: 1 | 2 = 2) => RosbridgeTestServer.start({
    joints: ['a', 'b'], initial: { a: 0.5 }, rosVersion, params: { robot_description: '<robot name="x"/>' },
    controllers: [{ topic: '/cmd', type: 'std_msgs/Float64MultiArray', joints: ['a', 'b'] }],
  });

  it('serves subscribe/unsubscribe with JointState, names in its own order', async () => {
    server = await start();
    const c = await rawClient(server.url);
    c.send({ op: 'subscribe', id: 's1', topic: '/joint_states', type: 'sensor_msgs/JointState' });
    await until(() => server.ops('subscribe').length === 1, 'subscribe');
    server.step(0.01);
    await until(() => c.inbox.length === 1, 'a JointState');
    expect(c.inbox[0]).toMatchObject({ op: 'publish', topic: '/joint_states', msg: { name: ['b', 'a'], position: [0, 0.5], header: { stamp: { sec: 0, nanosec: 10_000_000 } } } });
    c.send({ op: 'unsubscribe', id: 's1', topic: '/joint_states' });
    await until(() => server.ops('unsubscribe').length === 1, 'unsubscribe');
    server.step(0.01);
    c.send({ op: 'set_level', level: 'error' }); // round trip: anything published before it has arrived
    c.send({ op: 'bogus' });
    await until(() => c.inbox.length === 2, 'status');
    expect(c.inbox[1]).toMatchObject({ op: 'status', level: 'error', msg: 'Unknown operation: bogus' });
  });

  it('publishes at 100 Hz on its own timer and moves the arm towards commands', async () => {
    server = await start();
    const c = await rawClient(server.url);
    c.send({ op: 'subscribe', id: 's1', topic: '/joint_states', type: 'sensor_msgs/JointState' });
    c.send({ op: 'advertise', id: 'a1', topic: '/cmd', type: 'std_msgs/Float64MultiArray' });
    c.send({ op: 'publish', topic: '/cmd', msg: { layout: { dim: [], data_offset: 0 }, data: [0.6, -0.2] } });
    await until(() => server.ops('publish', '/cmd').length === 1, 'the command');
    server.startPublishing(100);
    await until(() => Math.abs(server.positions.get('b')! + 0.2) < 1e-9, 'the fake arm to reach the target');
    server.stopPublishing();
    const states = () => c.inbox.filter((m) => m.topic === '/joint_states');
    await until(() => states().length === server.published, 'every JointState to arrive');
    expect(states().length).toBeGreaterThan(1);
    expect(states().at(-1)!.msg.position[0]).toBeCloseTo(-0.2, 9);
    expect(states().at(-1)!.msg.name).toEqual(['b', 'a']);
  });

  it('answers rosapi get_param the ROS 1 and ROS 2 way', async () => {
    server = await start(1);
    let c = await rawClient(server.url);
    c.send({ op: 'call_service', id: 'c1', service: '/rosapi/get_param', args: { name: '/robot_description', default: '' } });
    c.send({ op: 'call_service', id: 'c2', service: 'rosapi/get_param', args: { name: 'missing', default: '"d"' } });
    c.send({ op: 'call_service', id: 'c3', service: '/nope', args: {} });
    c.send({ op: 'call_service', id: 'c6', service: '/rosapi/get_param', args: { name: 'missing' } });
    await until(() => c.inbox.filter((m) => m.op === 'service_response').length === 4, 'four responses');
    let byId = (id: string) => c.inbox.find((m) => m.op === 'service_response' && m.id === id)!;
    expect(byId('c1')).toMatchObject({ result: true, values: { value: JSON.stringify('<robot name="x"/>') } });
    expect(byId('c2').values.value).toBe('"d"');
    expect(byId('c3')).toMatchObject({ result: false, values: 'Service /nope does not exist' });
    expect(byId('c6').values.value).toBe('null');
    await server.close();
    server = await start(2);
    c = await rawClient(server.url);
    c.send({ op: 'call_service', id: 'c4', service: '/rosapi/get_param', args: { name: '/robot_state_publisher:robot_description' } });
    c.send({ op: 'call_service', id: 'c5', service: '/rosapi/get_param', args: { name: 'x:missing' } });
    c.send({ op: 'call_service', id: 'c7', service: '/rosapi/get_param', args: { name: 'robot_description' } });
    c.send({ op: 'call_service', id: 'c8', service: '/rosapi/get_param', args: { name: 'x:y', default: '' } }); // the ROS 1 field
    await until(() => c.inbox.filter((m) => m.op === 'service_response').length === 4, 'four responses');
    byId = (id: string) => c.inbox.find((m) => m.op === 'service_response' && m.id === id)!;
    expect(byId('c4').values).toEqual({ value: JSON.stringify('<robot name="x"/>') });
    expect(byId('c5').values).toEqual({ value: '""' });
    expect(byId('c7').values).toEqual({ value: '' });
    expect(byId('c8')).toMatchObject({ result: false, values: 'GetParam request does not have a field default' });
  });

  it('rejects what rosbridge rejects, with status messages, and records it all', async () => {
    server = await start();
    const c = await rawClient(server.url);
    c.send({ op: 'publish', topic: '/cmd', msg: { data: [1, 2] } }); // not advertised
    c.send({ op: 'advertise', topic: '/joint_states', type: 'std_msgs/String' }); // type clash
    c.send({ op: 'advertise', topic: '/cmd', type: 'std_msgs/Float64MultiArray' });
    c.send({ op: 'publish', topic: '/cmd', msg: { data: 'x' } });
    c.send({ op: 'publish', topic: '/cmd', msg: { datum: [1] } });
    c.send('{not json');
    c.send({ op: 'unadvertise', topic: '/cmd' });
    c.send({ op: 'set_level', level: 'warning' });
    c.send({ op: 'unadvertise', topic: '/cmd' });
    await until(() => c.inbox.length === 6, 'six status messages');
    expect(c.inbox.map((m) => m.op)).toEqual(Array(6).fill('status'));
    expect(c.inbox.map((m) => m.msg)).toEqual([
      'publish: Cannot infer topic type for topic /cmd as it is not yet advertised',
      'advertise: Tried to register topic /joint_states with type std_msgs/String but it is already established with type sensor_msgs/JointState',
      'publish: msg.data: expected a JSON array for float64[], got "x"',
      'publish: Message type std_msgs/Float64MultiArray does not have a field datum',
      expect.stringMatching(/^Unable to deserialize message from client/),
      'unadvertise: topic /cmd is not advertised by this client',
    ]);
    expect(server.ops('publish', '/cmd')).toHaveLength(3);
    expect(server.targets.get('a')).toBe(0.5); // nothing invalid moved the arm
  });
});
