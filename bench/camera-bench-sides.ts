// Worker threads of the camera bench, on event loops of their own so the server's thread measures
// only itself: 'ros' runs one rosbridge test double per robot (JointState at 100 Hz, and on
// request two 640x480 JPEG streams at 30 Hz); 'viewers' runs the state viewers and, in the
// camera phase, their camera sockets, and times every frame's arrival.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { decodeServerMessage, encodeMessage } from '../protocol/codec.ts';
import { decodeCameraMessage } from '../protocol/camera-codec.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from '../test/server/robots/ros/panda-fixture.ts';
import { RosbridgeTestServer } from '../test/server/robots/ros/rosbridge-test-server.ts';
import { SyntheticCamera } from '../test/server/robots/ros/synthetic-camera.ts';

export const COMMAND_TOPIC = '/forward_position_controller/commands';
export const CAMERA_TOPICS = ['/wrist_camera/image_raw/compressed', '/scene_camera/image_raw/compressed'];

type Msg = { type: string; [k: string]: unknown };
// null on the main thread, which only imports the topic names
const port = parentPort as NonNullable<typeof parentPort>;

async function rosSide(robots: number, rateHz: number): Promise<void> {
  const servers: RosbridgeTestServer[] = [];
  for (let i = 0; i < robots; i++) {
    const s = await RosbridgeTestServer.start({
      joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
      initial: Object.fromEntries(PANDA_ARM_JOINTS.map((j, k) => [j, PANDA_READY[k]])),
      params: { robot_description: PANDA_URDF }, rosVersion: 1,
      controllers: [{ topic: COMMAND_TOPIC, type: 'std_msgs/Float64MultiArray', joints: PANDA_ARM_JOINTS }],
      topics: Object.fromEntries(CAMERA_TOPICS.map((t) => [t, 'sensor_msgs/CompressedImage' as const])),
    });
    s.startPublishing(100);
    servers.push(s);
  }
  const cam = new SyntheticCamera({ width: 640, height: 480, period: 30, quality: 80, noise: 24 });
  let timer: NodeJS.Timeout | null = null;
  let n = 0;
  port.on('message', async (m: Msg) => {
    if (m.type === 'cameras') {
      if (timer) clearInterval(timer);
      timer = m.on ? setInterval(() => {
        n++;
        servers.forEach((s, i) => CAMERA_TOPICS.forEach((t, k) => s.publishImage(t, { frame: `cam${k}`, data: cam.jpeg(n + i * 7 + k * 3) })));
      }, 1000 / rateHz) : null;
    }
    if (m.type === 'stop') {
      if (timer) clearInterval(timer);
      for (const s of servers) await s.close();
      port.close();
    }
  });
  port.postMessage({ type: 'ready', urls: servers.map((s) => s.url), jpegBytes: cam.jpeg(0).byteLength });
}

async function viewersSide(o: { base: string; token: string; robots: string[]; viewers: number; cameraRobots: number }): Promise<void> {
  const open = (url: string) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
  let stateLatency: number[] = [];
  let imageAge: number[] = [];
  let images = 0;
  for (let i = 0; i < o.viewers; i++) {
    const ws = await open(`${o.base}/ws?token=${o.token}`);
    ws.on('message', (data: Buffer) => {
      const at = Date.now();
      const d = decodeServerMessage(new Uint8Array(data));
      if (d.ok && d.msg.type === 'state') stateLatency.push(at - d.msg.wall);
    });
    ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION }));
    ws.send(encodeMessage({ type: 'subscribe', robots: '*' }));
  }
  let cameraSockets: WebSocket[] = [];
  port.on('message', async (m: Msg) => {
    if (m.type === 'cameras' && m.on) {
      // viewer i watches the cameras of `cameraRobots` robots, starting at robot i (as consoles each on a robot view)
      for (let i = 0; i < o.viewers; i++) {
        for (let k = 0; k < o.cameraRobots; k++) {
          const ws = await open(`${o.base}/ws/cameras?robot=${o.robots[(i + k) % o.robots.length]}&token=${o.token}`);
          ws.on('message', (data: Buffer) => {
            const at = Date.now();
            const d = decodeCameraMessage(new Uint8Array(data));
            if (d.ok && d.msg.type === 'image') {
              images++;
              imageAge.push(at - d.msg.receivedAt);
            }
          });
          cameraSockets.push(ws);
        }
      }
      port.postMessage({ type: 'cameras-open', sockets: cameraSockets.length });
    } else if (m.type === 'cameras') {
      for (const ws of cameraSockets) ws.close();
      cameraSockets = [];
      port.postMessage({ type: 'cameras-open', sockets: 0 });
    } else if (m.type === 'take') {
      port.postMessage({ type: 'taken', stateLatency, imageAge, images });
      stateLatency = [];
      imageAge = [];
      images = 0;
    } else if (m.type === 'stop') port.close();
  });
  port.postMessage({ type: 'ready' });
}

const w = workerData as { role: 'ros'; robots: number; rateHz: number } | { role: 'viewers'; base: string; token: string; robots: string[]; viewers: number; cameraRobots: number } | null;
if (!isMainThread && w?.role === 'ros') void rosSide(w.robots, w.rateHz);
else if (!isMainThread && w?.role === 'viewers') void viewersSide(w);
