import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McapIndexedReader } from '@mcap/core';
import { decode as decodeJpeg, encode as encodeJpeg } from 'jpeg-js';
import { decompressHandlers } from '../../../recordings/chunk-compression.ts';
import { BytesReadable } from '../../../recordings/file-readable.ts';
import { isState, startTestServer, TestClient, TOKENS } from '../support/test-server.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from '../robots/ros/panda-fixture.ts';
import { CONTROLLER_ORDER, POSITION_TOPIC } from '../robots/ros/ros-harness.ts';
import { RosbridgeTestServer } from '../robots/ros/rosbridge-test-server.ts';
import { publishCamera, SyntheticCamera } from '../robots/ros/synthetic-camera.ts';
import { until } from '../robots/ros/wait-until.ts';
import { CameraClient } from './camera-support.ts';

const WRIST = '/wrist_camera/image_raw/compressed';
const SCENE = '/scene_camera/image_raw/compressed';

/** The bright square's left edge in a decoded frame (the row through its middle). */
function squareLeft(jpeg: Uint8Array): number {
  const img = decodeJpeg(jpeg, { useTArray: true });
  const y = Math.floor(img.height / 2);
  for (let x = 0; x < img.width; x++) if (img.data[(y * img.width + x) * 4] > 200 && img.data[(y * img.width + x) * 4 + 2] > 200) return x;
  return -1;
}

/** A big, noisy JPEG (hundreds of KB): socket buffers fill within a second. */
function noisyJpeg(): Uint8Array {
  const w = 640;
  const h = 480;
  const data = new Uint8Array(w * h * 4);
  let s = 7;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return new Uint8Array(encodeJpeg({ width: w, height: h, data }, 100).data);
}

describe('cameras of a ROS arm: the camera socket and the journal', () => {
  let ros: RosbridgeTestServer;
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  let base: string;
  const cam = new SyntheticCamera({ width: 160, height: 120, period: 12 });
  beforeAll(async () => {
    ros = await RosbridgeTestServer.start({
      joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
      initial: Object.fromEntries(PANDA_ARM_JOINTS.map((j, i) => [j, PANDA_READY[i]])),
      params: { robot_description: PANDA_URDF }, rosVersion: 1,
      controllers: [{ topic: POSITION_TOPIC, type: 'std_msgs/Float64MultiArray', joints: CONTROLLER_ORDER }],
      topics: { [WRIST]: 'sensor_msgs/CompressedImage', [SCENE]: 'sensor_msgs/CompressedImage' },
    });
    ros.startPublishing(100);
    srv = await startTestServer({
      record: true,
      robots: [{
        id: 'panda', kind: 'ros',
        ros: {
          url: ros.url, rosVersion: 1, jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller', topic: POSITION_TOPIC, jointOrder: CONTROLLER_ORDER },
          urdf: { param: 'robot_description' }, eeLink: 'panda_hand_tcp', staleAfter: 5, reconnect: { initialDelay: 0.01, maxDelay: 0.05 },
          cameras: [{ name: 'wrist', topic: WRIST, maxRate: 100, recordRate: 20 }, { name: 'scene', topic: SCENE, maxRate: 100 }],
        },
        limits: { workspaceMin: [0.1, -0.6, 0.05], workspaceMax: [0.85, 0.6, 0.9], maxEeStep: 0.03 },
      }],
    }, { recorder: undefined });
    base = `ws://127.0.0.1:${srv.port}`;
    await until(() => ros.ops('subscribe', WRIST).length > 0 && ros.ops('subscribe', SCENE).length > 0, 'the camera subscriptions');
  });
  afterAll(async () => {
    await srv?.close();
    await ros?.close();
  });

  it('subscribes the cameras on a rosbridge connection of their own, not the control connection', () => {
    const cameraClients = new Set(ros.received.filter((r) => r.op.op === 'subscribe' && r.op.topic === WRIST).map((r) => r.client));
    const jointClients = new Set(ros.received.filter((r) => r.op.op === 'subscribe' && r.op.topic === '/joint_states').map((r) => r.client));
    expect(cameraClients.size).toBe(1);
    expect([...cameraClients].some((c) => jointClients.has(c))).toBe(false);
    // throttled at rosbridge to the fastest rate anyone uses (100 Hz viewers: 10 ms)
    expect(ros.ops('subscribe', WRIST)[0]).toMatchObject({ type: 'sensor_msgs/CompressedImage', throttle_rate: 10 });
  });

  it('streams changing JPEG frames to a console client with robot, camera, format, stamp and receive time', async () => {
    const viewer = await CameraClient.open(base, `robot=panda&cameras=wrist&token=${TOKENS.eve.token}`);
    const pub = publishCamera(ros, WRIST, cam, 50);
    try {
      await until(() => viewer.images >= 6, 'six wrist frames at the viewer');
      expect(viewer.inbox[0]).toEqual({ type: 'cameras', robot: 'panda', cameras: [{ name: 'wrist', maxRate: 100, recordRate: 20 }] });
      expect(viewer.inbox.find((m) => m.type === 'camera_status')).toMatchObject({ connected: true });
      const frames = viewer.frames();
      expect(frames.every((f) => f.robot === 'panda' && f.camera === 'wrist' && f.format === 'jpeg')).toBe(true);
      const f = frames.at(-1)!;
      expect(f.stamp).toBeGreaterThan(0);
      expect(f.sentAt).toBeGreaterThanOrEqual(f.receivedAt);
      expect(Math.abs(Date.now() - f.receivedAt)).toBeLessThan(60_000);
      // the image moves: the square is not in one place in every frame, and each frame decodes
      const lefts = new Set(frames.map((x) => squareLeft(x.data)));
      expect(lefts.has(-1)).toBe(false);
      expect(lefts.size).toBeGreaterThan(1);
      expect(frames.map((x) => x.seq)).toEqual([...frames.map((x) => x.seq)].sort((a, b) => a - b));
    } finally {
      pub.stop();
      viewer.close();
    }
  });

  it('records frames into the episode journal as foxglove.CompressedImage at the record rate, served back to Replay', async () => {
    const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    client.send({ type: 'subscribe', robots: '*' });
    await client.sync();
    srv.tick(2); // an episode is being recorded
    await until(() => srv.app.control.robotIds.length > 0, 'robots');
    const pub = publishCamera(ros, WRIST, cam, 50);
    const auth = { authorization: `Bearer ${TOKENS.eve.token}` };
    let stats: { cameras: Array<{ camera: string; received: number; recorded: number }> } = { cameras: [] };
    await until(async () => {
      stats = (await srv.app.inject({ method: 'GET', url: '/api/cameras', headers: auth })).json();
      return (stats.cameras.find((c) => c.camera === 'wrist')?.recorded ?? 0) >= 5;
    }, 'five recorded wrist frames');
    pub.stop();
    const wrist = stats.cameras.find((c) => c.camera === 'wrist')!;
    // 20 Hz of a 50 Hz camera: well under every frame
    expect(wrist.recorded).toBeLessThan(wrist.received);
    srv.tick(2);
    client.send({ type: 'reset_episode', robot: 'panda', ref: 3 });
    await client.next((m) => m.type === 'ack' && m.ref === 3);
    client.close();

    // the finished journal, read with @mcap/core's own reader
    const dir = join(srv.config.dataDir, 'episodes');
    let file = '';
    let reader: McapIndexedReader | null = null;
    await until(async () => {
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.mcap'))) {
        reader = await McapIndexedReader.Initialize({ readable: new BytesReadable(new Uint8Array(readFileSync(join(dir, name)))), decompressHandlers }).catch(() => null);
        if (reader && [...reader.channelsById.values()].some((c) => c.topic === '/camera/wrist')) {
          file = name;
          return true;
        }
      }
      return false;
    }, 'a finished journal with a camera channel');
    const r = reader as unknown as McapIndexedReader;
    const channel = [...r.channelsById.values()].find((c) => c.topic === '/camera/wrist')!;
    expect(channel.messageEncoding).toBe('json');
    expect(r.schemasById.get(channel.schemaId)).toMatchObject({ name: 'foxglove.CompressedImage', encoding: 'jsonschema' });
    const images: Array<{ timestamp: { sec: number; nsec: number }; frame_id: string; format: string; data: string }> = [];
    for await (const m of r.readMessages({ topics: ['/camera/wrist'] })) images.push(JSON.parse(new TextDecoder().decode(m.data)));
    expect(images.length).toBeGreaterThanOrEqual(5);
    expect(images[0]).toMatchObject({ frame_id: 'camera_optical', format: 'jpeg' });
    const decoded = images.map((m) => decodeJpeg(Buffer.from(m.data, 'base64'), { useTArray: true }));
    expect(decoded.every((d) => d.width === 160 && d.height === 120)).toBe(true);
    expect(new Set(images.map((m) => squareLeft(Buffer.from(m.data, 'base64')))).size).toBeGreaterThan(1);

    // Replay's routes: the cameras of the episode, and the frame newest at a time
    const id = file.replace(/\.mcap$/, '');
    // the catalog row ends after the file: until then the routes answer 409 (still recording)
    let cams = await srv.app.inject({ method: 'GET', url: `/api/episodes/${id}/cameras`, headers: auth });
    await until(async () => (cams = await srv.app.inject({ method: 'GET', url: `/api/episodes/${id}/cameras`, headers: auth })).statusCode !== 409, 'the catalog row to end');
    expect(cams.json()).toEqual({ episodeId: id, cameras: [{ name: 'wrist', frames: images.length }] });
    const late = (await srv.app.inject({ method: 'GET', url: `/api/episodes/${id}/images?camera=wrist&t=1000`, headers: auth })).json();
    expect(late).toMatchObject({ episodeId: id, camera: 'wrist', format: 'jpeg', frameId: 'camera_optical' });
    expect(late.data).toBe(images.at(-1)!.data);
    const early = (await srv.app.inject({ method: 'GET', url: `/api/episodes/${id}/images?camera=wrist&t=0`, headers: auth })).json();
    expect(early.data).toBe(images[0].data);
    const missing = await srv.app.inject({ method: 'GET', url: `/api/episodes/${id}/images?camera=scene&t=0`, headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe(`episode '${id}' has no camera 'scene' (it has: wrist)`);
  });

  it('a camera viewer that stops reading loses frames (counted), while state frames and other viewers are not held up', async () => {
    const big = noisyJpeg();
    expect(big.byteLength).toBeGreaterThan(200_000);
    const slow = await CameraClient.open(base, `robot=panda&cameras=scene&token=${TOKENS.alice.token}`);
    const fast = await CameraClient.open(base, `robot=panda&cameras=scene&token=${TOKENS.eve.token}`);
    const { client } = await TestClient.signIn(srv.url, TOKENS.alice.token);
    client.send({ type: 'subscribe', robots: ['panda'] });
    await client.sync();
    slow.pause();
    const auth = { authorization: `Bearer ${TOKENS.eve.token}` };
    const droppedBefore = (await srv.app.inject({ method: 'GET', url: '/api/cameras', headers: auth })).json().dropped as number;
    const timer = setInterval(() => ros.publishImage(SCENE, { frame: 'scene', data: big }), 15);
    let states = 0;
    let ticks = 0;
    try {
      await until(async () => {
        // every tick's state frame reaches the (same operator's) state socket
        client.clearStates();
        srv.tick();
        ticks++;
        await client.next(isState('panda'));
        states++;
        const st = (await srv.app.inject({ method: 'GET', url: '/api/cameras', headers: auth })).json();
        return st.dropped > droppedBefore + 5 && fast.images > slow.images + 5;
      }, 'drops for the stalled camera viewer', 60_000);
    } finally {
      clearInterval(timer);
    }
    expect(states).toBe(ticks);
    expect(srv.app.broadcaster.dropped).toBe(0);
    // the stalled viewer got at most what its buffers held; the reading one kept getting frames
    expect(fast.images).toBeGreaterThan(slow.images);
    slow.close();
    fast.close();
    client.close();
  });

  it('refuses camera sockets without a token, for unknown robots and cameras, with the reason', async () => {
    await expect(CameraClient.open(base, 'robot=panda')).rejects.toThrow(/401/);
    await expect(CameraClient.open(base, `token=${TOKENS.eve.token}`)).rejects.toThrow('400 {"statusCode":400,"code":"TKO_ERR_BAD_REQUEST","message":"name the robot in the query: ?robot=<id>"}');
    await expect(CameraClient.open(base, `robot=ghost&token=${TOKENS.eve.token}`)).rejects.toThrow("404 {\"statusCode\":404,\"code\":\"TKO_ERR_NOT_FOUND\",\"message\":\"robot 'ghost' has no cameras (robots with cameras: panda)\"}");
    await expect(CameraClient.open(base, `robot=panda&cameras=wrist,thermal&token=${TOKENS.eve.token}`)).rejects.toThrow("robot 'panda' has no camera 'thermal' (it has: wrist, scene)");
  });

  it('closes a camera socket that sends a message: it is server -> client only', async () => {
    const v = await CameraClient.open(base, `robot=panda&token=${TOKENS.eve.token}`);
    const closed = new Promise<number>((r) => v.ws.once('close', (code) => r(code)));
    v.ws.send('hello');
    expect(await closed).toBe(1008);
  });
});
