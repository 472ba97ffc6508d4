import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TakeoverConfig } from '../config/config-schema.ts';
import { robotLogger } from '../robots/ros/ros-logger.ts';
import { resolveCameraLimits, resolveCameras } from './camera-config.ts';
import { CameraHub, type ImageSink } from './camera-hub.ts';
import { cameraRoutes } from './camera-route.ts';
import { RosCameraSource } from './ros-camera-source.ts';

/**
 * The camera path of a server, all on the network thread: a camera source per ROS robot with
 * `ros.cameras` (its own rosbridge connection), the hub, GET /ws/cameras and GET /api/cameras.
 * Sources connect on `ready` and close on `close`. Simulated robots have no camera here: the
 * console renders their views from its 3D scene.
 */
export async function setupCameras(app: FastifyInstance, config: TakeoverConfig, sink: ImageSink | null, checkOrigin?: (req: FastifyRequest) => string | null): Promise<CameraHub> {
  const limits = resolveCameraLimits(config.cameraLimits);
  const sources = config.robots.filter((r) => r.kind === 'ros' && r.ros?.cameras?.length).map((r) => new RosCameraSource(r.id, resolveCameras(r.id, r.ros!.cameras!), {
    url: r.ros!.url,
    maxFrameBytes: limits.maxFrameBytes,
    log: robotLogger((level, msg, robot) => app.log[level]({ robot }, msg), r.id),
    reconnect: { initialDelay: 0.25, maxDelay: 5, factor: 2, ...r.ros!.reconnect },
  }));
  const hub = new CameraHub(sources, sink);
  await app.register(cameraRoutes, { hub, limits, checkOrigin });
  app.addHook('onReady', async () => hub.start());
  app.addHook('onClose', async () => hub.stop());
  return hub;
}
