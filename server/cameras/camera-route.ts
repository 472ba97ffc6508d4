import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type {} from '@fastify/websocket';
import { Type, type Static } from '@sinclair/typebox';
import { TakeoverError } from '../errors.ts';
import type { CameraLimits } from './camera-config.ts';
import type { CameraHub } from './camera-hub.ts';

export interface CameraRouteOptions {
  hub: CameraHub;
  limits: CameraLimits;
  /** why a browser origin may not connect, or null (origin-check.ts) */
  checkOrigin?: (req: FastifyRequest) => string | null;
}

const Query = Type.Object({
  robot: Type.String({ minLength: 1, maxLength: 64, description: 'the robot whose cameras to stream' }),
  cameras: Type.Optional(Type.String({ maxLength: 600, description: 'comma-separated camera names (default: all)' })),
  maxRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 120, description: 'at most this many frames per second per camera (default: each camera maxRate)' })),
  token: Type.Optional(Type.String({ maxLength: 256 })),
});
type QueryT = Static<typeof Query>;

/** Close code of a camera socket that sent a message: the socket is server -> client only. */
export const CAMERA_SOCKET_READ_ONLY = 1008;

const StatsSchema = Type.Object({
  cameras: Type.Array(Type.Object({
    robot: Type.String(), camera: Type.String(), topic: Type.String(), received: Type.Integer(), recorded: Type.Integer(),
    lastAgeMs: Type.Union([Type.Number(), Type.Null()]),
  })),
  viewers: Type.Integer(),
  sent: Type.Integer({ description: 'frames sent to camera sockets since the start' }),
  dropped: Type.Integer({ description: 'frames replaced by newer ones before a slow camera socket could take them' }),
  rejected: Type.Integer({ description: 'frames from rosbridge that were not usable images' }),
});

/**
 * GET /ws/cameras?robot=<id>[&cameras=a,b][&maxRate=n]: a robot's live images on a socket of
 * their own (docs/protocol.md "Camera socket"), signed in by the token of the upgrade like REST
 * (viewer and above). GET /api/cameras: the camera figures.
 */
export const cameraRoutes: FastifyPluginAsync<CameraRouteOptions> = async (app, { hub, limits, checkOrigin }) => {
  let open = 0;
  app.get<{ Querystring: QueryT }>('/ws/cameras', {
    websocket: true,
    config: { role: 'viewer' },
    schema: { hide: true, querystring: Query } as Record<string, unknown>,
    preValidation: async (req) => {
      const refused = checkOrigin?.(req);
      if (refused) throw new TakeoverError('TKO_ERR_FORBIDDEN', refused);
      // preValidation runs before the query schema: check what is read here
      const { robot } = req.query as Partial<QueryT>;
      if (typeof robot !== 'string' || robot === '') throw new TakeoverError('TKO_ERR_BAD_REQUEST', 'name the robot in the query: ?robot=<id>');
      const have = hub.cameras(robot);
      if (have.length === 0) throw new TakeoverError('TKO_ERR_NOT_FOUND', hub.robots.length ? `robot '${robot}' has no cameras (robots with cameras: ${hub.robots.join(', ')})` : `robot '${robot}' has no cameras (no robot has ros.cameras configured)`);
      const unknown = cameraList(req.query.cameras)?.filter((c) => !have.some((h) => h.name === c));
      if (unknown?.length) throw new TakeoverError('TKO_ERR_NOT_FOUND', `robot '${robot}' has no camera ${unknown.map((c) => `'${c}'`).join(', ')} (it has: ${have.map((h) => h.name).join(', ')})`);
      if (open >= limits.maxViewers) throw new TakeoverError('TKO_ERR_TOO_MANY_CONNECTIONS', `the server has as many camera sockets as allowed (${limits.maxViewers})`);
    },
  }, (socket, req) => {
    open++;
    const viewer = hub.addViewer(req.query.robot, socket, { cameras: cameraList(req.query.cameras), maxRate: req.query.maxRate, maxBufferedBytes: limits.maxBufferedBytes });
    socket.on('message', () => socket.close(CAMERA_SOCKET_READ_ONLY, 'the camera socket takes no messages'));
    socket.on('close', () => {
      open--;
      hub.removeViewer(viewer);
    });
    socket.on('error', (err) => req.log.warn({ err }, 'camera socket error'));
  });

  app.get('/api/cameras', {
    config: { role: 'viewer' },
    schema: { tags: ['robots'], summary: 'camera figures: frames received and recorded per camera, camera sockets, frames sent and dropped', response: { 200: StatsSchema } },
  }, async () => hub.stats());
};

function cameraList(s: string | undefined): string[] | undefined {
  if (s === undefined || s === '') return undefined;
  return s.split(',').map((c) => c.trim()).filter(Boolean);
}
