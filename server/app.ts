import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { authPlugin } from './auth/auth-plugin.ts';
import { routeRoles } from './api/route-roles.ts';
import { resolveTokens } from './auth/resolve-tokens.ts';
import { redactToken } from './auth/redact-token.ts';
import { AuditLog } from './audit/audit-log.ts';
import { PgAuditLog } from './audit/pg-audit-log.ts';
import type { AuditStore } from './audit/audit-store.ts';
import { auditPlugin } from './audit/audit-plugin.ts';
import { auditOfLoopEvent } from './audit/loop-event-audit.ts';
import { auditRecord } from './audit/audit-record.ts';
import { readTlsFiles } from './config/tls-files.ts';
import { originCheck } from './ws/origin-check.ts';
import type { TakeoverConfig } from './config/config-schema.ts';
import { wallClock } from './control/clock.ts';
import type { AppOptions } from './app-options.ts';
import type { RecorderPort } from './control/recorder-port.ts';
import { TakeoverError, withoutServerPaths } from './errors.ts';
import type { ControlPlane } from './control-plane/control-plane.ts';
import { LocalControl } from './control-plane/local-control.ts';
import { WorkerControl } from './control-plane/worker-control.ts';
import { setThreadNice, type ThreadPriority } from './control-plane/thread-priority.ts';
import { robotsApi } from './api/robots.ts';
import { attentionApi } from './api/attention.ts';
import { AttentionFeed } from './attention/attention-feed.ts';
import { statusApi } from './api/status.ts';
import { episodesApi } from './api/episodes.ts';
import { episodeImagesApi } from './api/episode-images.ts';
import { restRateLimit } from './api/rest-rate-limit.ts';
import { Broadcaster } from './ws/broadcaster.ts';
import { closeSocket } from './ws/close-socket.ts';
import { CommandRouter } from './ws/command-router.ts';
import { ConnectionLimits } from './ws/connection-limits.ts';
import { wsRoutes } from './ws/ws-route.ts';
import type { SafetyListener } from './safety/safety-listener.ts';
import { startThreads } from './control-plane/start-threads.ts';
import { SampleRing } from './control/rate-meter.ts';
import { PROTOCOL_VERSION } from '../protocol/messages.ts';
import { CLOSE_CODES } from '../protocol/error-codes.ts';
import { openRecording, type Recording } from './recording-setup.ts';
import { setupPolicies } from './policy-setup.ts';
import { markRunning, uncleanReason } from './run-marker.ts';
import { resolveServerId } from './config/server-id.ts';
import { openSharedDatabase, type SharedDatabase } from './shared-database.ts';
import { setupRegistry, type RegistrySetup } from './registry-setup.ts';
import { setupCameras } from './cameras/camera-setup.ts';

export type { AppOptions } from './app-options.ts';

export { redactToken };

/** The package version (status page, server_info). */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/**
 * The whole server as a Fastify instance (build, never listen). Robots are built here;
 * their bridges connect and loops start on `ready`, and everything stops on `close`.
 */
export async function buildApp(config: TakeoverConfig, opts: AppOptions = {}): Promise<FastifyInstance> {
  const clock = opts.clock ?? wallClock;
  const schedule = opts.schedule ?? clock === wallClock;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : {
      level: config.logLevel,
      // stdout belongs to --json output (one object); logs go to stderr
      stream: process.stderr,
      // tokens may ride in the query string (browsers cannot set WebSocket headers): never log them
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactToken(req.url), remoteAddress: req.ip }),
      },
    },
    // a line per request drowns everything else: request lines only at debug and trace
    logController: new LogController({ disableRequestLogging: !['debug', 'trace'].includes(config.logLevel) }),
    // REST bodies are small; the WebSocket has its own limits.
    bodyLimit: 256 * 1024,
    // the default 10 s per plugin is too short on a loaded 2-core machine (seen: swagger-ui timed out at start)
    pluginTimeout: 120_000,
    // HTTPS and WSS with tls configured (the listener type is the same to every route)
    ...(config.tls ? { https: readTlsFiles(config.tls) } : {}),
  }) as unknown as FastifyInstance;

  app.setErrorHandler((err: FastifyError | TakeoverError, req, reply) => {
    // messages may quote file errors: clients never see where the server keeps its files
    if (err instanceof TakeoverError) return reply.status(err.statusCode).send({ statusCode: err.statusCode, code: err.code, message: withoutServerPaths(err.message, config.dataDir) });
    if ((err as FastifyError).validation) return reply.status(400).send({ statusCode: 400, code: 'TKO_ERR_BAD_REQUEST', message: err.message });
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return reply.status(status).send({ statusCode: status, code: 'TKO_ERR_BAD_REQUEST', message: withoutServerPaths(err.message, config.dataDir) });
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({ statusCode: 500, code: 'TKO_ERR_INTERNAL', message: 'internal server error' });
  });

  const { store: tokens, created, source } = resolveTokens(config.tokens, config.dataDir, (level, msg) => app.log[level](msg));
  const fileAudit = new AuditLog(config.dataDir, { ...config.audit, onError: (err) => app.log.error({ err }, 'audit log write failed') });
  if (created) opts.onTokenCreated?.(created, source);

  const serverId = resolveServerId(config.serverId, config.dataDir);
  app.decorate('serverId', serverId);
  // several servers share one PostgreSQL database: catalog, policy versions, jobs, audit log, server registry (docs/deployment.md)
  const database: SharedDatabase | null = config.database ? await openSharedDatabase(config.database, serverId, (err) => app.log.warn({ err }, 'database connection')) : null;
  // with a database the audit log is a table there, and the file takes what the database refuses
  const audit: AuditStore = database
    ? await PgAuditLog.open(database.pool, { serverId, fallback: fileAudit, onError: (err) => app.log.error({ err }, 'audit log write failed') }).catch(async (err) => {
      await database.close();
      throw err;
    })
    : fileAudit;
  let recording: Recording | null = null;
  let recorder: RecorderPort | null;
  if (opts.recorder !== undefined) recorder = opts.recorder;
  else if (config.record) {
    recording = await openRecording(config.dataDir, (err) => app.log.error({ err }, 'recorder'), { serverId, database: database?.pool, objectStore: config.objectStore }).catch(async (err) => {
      await database?.close();
      throw err;
    });
    recorder = recording.recorder;
  } else recorder = null;

  // After a crash nothing may drive on by itself: every robot starts PAUSED until an operator resumes it.
  const run = markRunning(config.dataDir);
  const startPaused = run.unclean ? uncleanReason(run.unclean) : undefined;
  if (startPaused) app.log.warn({ previous: run.unclean }, 'the previous run did not stop cleanly: every robot starts PAUSED');
  // a start that fails leaves an unclean marker as it found it, so the next start still pauses
  const abandon = () => { if (!run.unclean) run.release(); };
  const runConfig = continueSeeds(config, recording?.seeds);
  const onTickError = (id: string, err: unknown) => app.log.error({ err, robot: id }, 'control tick failed; robot e-stopped');
  const broadcaster = new Broadcaster();
  const withPolicies = opts.policies !== false;
  let control: ControlPlane;
  let onSubscriptions: (() => void) | undefined;
  let networkPriority: ThreadPriority | null = null;
  let safety: SafetyListener | null = null;
  const safetyEstopAckMs = new SampleRing(1024);
  if (opts.threads ?? schedule) {
    // the thread that parses e-stops and sends their acks must win the CPU from ordinary processes
    networkPriority = setThreadNice(config.threadNice.network);
    if (networkPriority.error) app.log.warn(`network thread priority: ${networkPriority.error}`);
    // e-stops get a thread and a port of their own when the loops run on theirs; both threads start at once
    const threads = await startThreads(runConfig, {
      recorder, policies: withPolicies, spinMs: opts.spinMs, coalesceMs: opts.coalesceMs, startPaused,
      watched: (): string[] => wc.robotIds.filter((id: string) => broadcaster.watched(id)),
      log: (level, msg, extra) => app.log[level](extra, msg),
    }, {
      tokens, tokensFile: source === 'config' ? null : source, robots: runConfig.robots.map((r) => r.id),
      log: (level, msg) => app.log[level](msg), onEstopAck: (ms) => safetyEstopAckMs.push(ms),
    }).catch(async (err) => {
      if (recording) await recording.close();
      await database?.close();
      abandon();
      throw err;
    });
    const wc: WorkerControl = threads.control;
    safety = threads.safety;
    control = wc;
    onSubscriptions = () => wc.updateWatch();
    app.decorate('fleet', {
      getter() {
        throw new Error('the fleet runs on the control thread; use app.control (or build the app with threads: false)');
      },
    });
  } else {
    const lc = await LocalControl.create(runConfig, {
      clock, schedule, recorder, policies: withPolicies, spinMs: opts.spinMs, coalesceMs: opts.coalesceMs,
      watched: (id) => broadcaster.watched(id), onError: onTickError, startPaused,
      log: (level, msg, robot) => app.log[level]({ robot }, msg),
    }).catch(async (err) => {
      if (recording) await recording.close();
      await database?.close();
      abandon();
      throw err;
    });
    control = lc;
    app.decorate('fleet', lc.fleet);
  }
  // the attention queue lives here, on the network thread, fed by status snapshots and loop events
  const attention = new AttentionFeed(control, { onChange: (items, at) => broadcaster.attention(items, at) });
  // everything started above must stop again when a route or plugin below fails to register:
  // a failed start exits instead of leaving the threads and the database pool running
  let policies: Awaited<ReturnType<typeof setupPolicies>> | null = null;
  let registry: RegistrySetup | null = null;
  const shutdown = async () => {
    attention.stop();
    // a clean stop: the other servers show this one stopped, not stale
    await registry?.stop();
    await safety?.close();
    await control.stop();
    await policies?.close();
    if (recording) await recording.close();
    await audit.flush();
    await database?.close();
  };
  try {
    control.onFrames((frames) => broadcaster.fanOut(frames));
    control.onEvent((e) => broadcaster.event(e));
    control.onEvent((e) => {
      const r = auditOfLoopEvent(e);
      if (r) audit.record(r);
    });
    control.onEvent((e) => attention.event(e));
    const router = new CommandRouter({
      control, tokens, version: VERSION, heartbeatTimeoutMs: config.heartbeatTimeoutMs, onSubscriptions, attention: () => attention.list(),
      safety: () => (safety ? { port: safety.port, path: '/safety' } : null),
    });
    app.decorate('control', control);
    app.decorate('safetyPort', () => safety?.port ?? null);
    app.decorate('broadcaster', broadcaster);
    const wsLimits = { ...config.wsLimits, helloTimeoutMs: opts.helloTimeoutMs ?? config.wsLimits.helloTimeoutMs };
    const connections = new ConnectionLimits(wsLimits);
    app.decorate('wsConnections', connections);
    // before any route: the limits hook every route registered after them
    await app.register(restRateLimit, config.restLimits);

    await app.register(swagger, {
      openapi: {
        info: { title: 'takeover', version: VERSION, description: 'REST API of the takeover server. The live protocol is WebSocket /ws (docs/protocol.md).' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    await app.register(authPlugin, { tokens });
    // every route's config.role becomes its auth check and its OpenAPI security (before any route)
    await app.register(routeRoles, { requireRole: app.requireRole });
    await app.register(auditPlugin, { audit });
    // ws's hard cap; frames between 64 KiB and this get an error frame, bigger ones close with 1009.
    await app.register(websocket, {
      options: { maxPayload: 1024 * 1024 },
      // Clients learn why the socket closes: 1001 going away (docs/protocol.md close codes).
      preClose(done) {
        for (const client of app.websocketServer.clients) closeSocket(client, wsLimits.closeTimeoutMs, CLOSE_CODES.GOING_AWAY, 'server shutting down');
        app.websocketServer.close(() => done());
      },
    });
    await app.register(wsRoutes, {
      router, broadcaster, maxBufferBytes: config.maxClientBufferBytes, limits: wsLimits, connections,
      checkOrigin: originCheck(config.allowedOrigins, (req, origin) => audit.record(auditRecord('origin_refused', null, { origin: origin.slice(0, 200), ip: req.ip }))),
      onSignInFailure: (req, reason) => audit.record(auditRecord('sign_in_failed', null, { method: 'WS', route: '/ws', ip: req.ip, reason })),
    });
    // images on a socket of their own, on this thread: never through the control thread (docs/architecture.md)
    await setupCameras(app, config, recording?.recorder ?? null, originCheck(config.allowedOrigins));
    policies = withPolicies
      ? await setupPolicies(app, control, config.dataDir, serverId, database && config.database ? { pool: database.pool, url: config.database, serverId, jobs: config.jobs } : undefined, config.objectStore)
      : null;
    await app.register(statusApi, {
      control, broadcaster, version: VERSION, threads: () => ({ control: control.priority, network: networkPriority, safety: safety?.priority ?? null }), estopAckMs: router.estopAckMs,
      safety: { estopAckMs: safetyEstopAckMs, port: () => safety?.port ?? null },
      backend: async () => {
        const kinds = new Set(control.robotIds.map((id) => control.info(id).kind));
        const running = new Set(control.robotIds.map((id) => control.info(id).policy?.name ?? 'idle'));
        const st = await control.policyStats();
        return { physics: [...kinds].map((k) => (k === 'sim' ? 'mujoco-js' : k)), policy: [...running].join(', ') + (st ? `; ${st.description}` : '') };
      },
      recorderStats: () => (recording ? recording.stats() : null),
    });
    await app.register(robotsApi, { control, signedIn: (name) => broadcaster.signedIn(name) });
    registry = await setupRegistry(app, { config, serverId, version: VERSION, control, pool: database?.pool ?? null });
    app.decorate('serverHeartbeat', registry.heartbeat);
    await app.register(attentionApi, { feed: attention });
    if (recording) {
      const { recorder: rec } = recording;
      const { journals } = recording;
      await app.register(episodesApi, { catalog: recording.catalog, dataDir: config.dataDir, journals, live: (id) => rec.progress(id) });
      await app.register(episodeImagesApi, { catalog: recording.catalog, dataDir: config.dataDir, journals });
    }

    const webDir = resolve(config.webDir);
    if (existsSync(join(webDir, 'index.html'))) {
      await app.register(fastifyStatic, { root: webDir, prefix: '/', wildcard: false });
    }
    app.setNotFoundHandler((req, reply) => {
      reply.status(404).send({ statusCode: 404, code: 'TKO_ERR_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` });
    });
  } catch (err) {
    await shutdown().catch((e) => app.log.error({ err: e }, 'stopping after a failed start'));
    abandon();
    throw err;
  }
  app.addHook('onReady', async () => {
    await control.start();
    attention.start();
    await registry?.start();
    app.log.info({ robots: control.robotIds, protocol: PROTOCOL_VERSION, schedule, threads: control instanceof WorkerControl }, 'robots started');
  });
  app.addHook('onClose', async () => {
    await shutdown();
    run.release(); // a clean stop: the next start drives as configured
    await audit.flush();
    await fileAudit.flush();
  });
  return app;
}

/** The configuration with each robot's first seed after the highest one recorded for it (no scene is repeated across restarts). */
function continueSeeds(config: TakeoverConfig, recorded: Map<string, number> | undefined): TakeoverConfig {
  if (!recorded?.size) return config;
  return {
    ...config,
    robots: config.robots.map((r) => {
      const highest = recorded.get(r.id);
      return highest === undefined ? r : { ...r, seed: Math.max(r.seed ?? 0, highest + 1) };
    }),
  };
}
