import { Type, type Static } from '@sinclair/typebox';
import { RosRobotSchema } from '../robots/ros/ros-config.ts';
import { CameraLimitsSchema } from '../cameras/camera-config.ts';
import { RobotIdSchema, SAFE_NAME_PATTERN } from '../../core/safe-name.ts';
import { HelpConfigSchema } from '../control/help-monitor.ts';

const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });

/** Safety limits that the robot kinds do not fix themselves (joint limits come from the robot). */
export const LimitsSchema = Type.Object(
  {
    workspaceMin: Type.Optional(Vec3),
    workspaceMax: Type.Optional(Vec3),
    /** m per control tick */
    maxEeStep: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);

export const RobotConfigSchema = Type.Object(
  {
    id: RobotIdSchema(),
    kind: Type.Union([Type.Literal('sim'), Type.Literal('mock'), Type.Literal('ros')], { description: "'sim' (MuJoCo Panda), 'mock' (test double), 'ros' (an arm behind rosbridge, docs/ros.md)" }),
    /** kind 'ros': rosbridge URL, topics, controller, URDF, EE link (docs/ros.md) */
    ros: Type.Optional(RosRobotSchema),
    task: Type.Optional(Type.String({ description: 'sim: reach | lift | place' })),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    /** steps after which an episode ends as a timeout; default from the task, 0 = never */
    stepLimit: Type.Optional(Type.Integer({ minimum: 0 })),
    controlRateHz: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
    /** the policy slot: 'expert' (sim's scripted expert), 'idle' (none), or a policy version ('default', 'v3', ...) */
    policy: Type.Optional(Type.String({
      pattern: SAFE_NAME_PATTERN,
      description: "'expert' (the sim's scripted expert), 'idle' (none) or a policy version name such as 'default'",
    })),
    limits: Type.Optional(LimitsSchema),
    /** what the robot does while its policy asks for help */
    help: Type.Optional(HelpConfigSchema),
  },
  { additionalProperties: false },
);
export type RobotConfig = Static<typeof RobotConfigSchema>;

export const TokenConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9_.@-]{1,64}$', description: 'operator id shown in leases and recordings' }),
    role: Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')]),
    token: Type.String({ minLength: 16, maxLength: 256 }),
  },
  { additionalProperties: false },
);
export type TokenConfig = Static<typeof TokenConfigSchema>;

/**
 * Overload limits of the WebSocket edge (docs/configuration.md, "Overload limits"). Rates of 0
 * switch that budget off; every other limit always applies.
 */
export const WsLimitsSchema = Type.Object(
  {
    /** open sockets in total, said hello or not; more are refused at the upgrade (429) */
    maxConnections: Type.Integer({ minimum: 1 }),
    /** open sockets per token (principal name); more are refused at the upgrade (429) or closed at hello (4006) */
    maxConnectionsPerToken: Type.Integer({ minimum: 1 }),
    /** frames (and pings) per second per connection, sustained; over budget closes with 4004 */
    messagesPerSecond: Type.Number({ minimum: 0 }),
    messageBurst: Type.Integer({ minimum: 1 }),
    /** frame bytes per second per connection, sustained */
    bytesPerSecond: Type.Number({ minimum: 0 }),
    /** at least the largest frame the server decodes (64 KiB), so one legal frame always fits */
    byteBurst: Type.Integer({ minimum: 64 * 1024 }),
    /** error replies per second per connection (bad frames, refusals): tighter than messages */
    errorsPerSecond: Type.Number({ minimum: 0 }),
    errorBurst: Type.Integer({ minimum: 1 }),
    /** replies owed to a client that does not read, bytes; past it the client is closed (4005) */
    maxQueuedBytes: Type.Integer({ minimum: 1024 }),
    /** a connection without hello by then is closed (4001) */
    helloTimeoutMs: Type.Integer({ minimum: 10, maximum: 600_000 }),
    /** largest frame read before hello; bigger ones close the connection (4003) */
    maxHelloBytes: Type.Integer({ minimum: 64, maximum: 64 * 1024 }),
    /** a server-initiated close not completed by the client within this is cut (socket destroyed) */
    closeTimeoutMs: Type.Integer({ minimum: 0, maximum: 60_000 }),
  },
  { additionalProperties: false },
);
export type WsLimits = Static<typeof WsLimitsSchema>;

/** REST rate limits per client address and fixed window (docs/configuration.md); `/api/health` is exempt. */
export const RestLimitsSchema = Type.Object(
  {
    timeWindowMs: Type.Integer({ minimum: 1 }),
    /** GET/HEAD/OPTIONS requests per window; 0 = unlimited */
    readMax: Type.Integer({ minimum: 0 }),
    /** POST/PUT/PATCH/DELETE requests per window; 0 = unlimited */
    writeMax: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type RestLimits = Static<typeof RestLimitsSchema>;

/** HTTPS and WSS instead of HTTP and WS: PEM files (docs/configuration.md, "TLS"). */
export const TlsSchema = Type.Object(
  {
    cert: Type.String({ minLength: 1, description: 'PEM certificate (chain) file' }),
    key: Type.String({ minLength: 1, description: 'PEM private key file' }),
  },
  { additionalProperties: false },
);
export type TlsConfig = Static<typeof TlsSchema>;

/** The audit log in `<dataDir>/audit.log` (docs/security.md, "Audit log"). */
export const AuditSchema = Type.Object(
  {
    /** audit.log is rotated to audit.log.1 once a write would take it past this */
    maxFileBytes: Type.Integer({ minimum: 4096 }),
    /** rotated files kept (audit.log.1 .. audit.log.N); older ones are deleted */
    keepFiles: Type.Integer({ minimum: 1, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type AuditConfig = Static<typeof AuditSchema>;

/** The safety socket (docs/protocol.md, "Safety socket"): e-stops, pauses and heartbeats on their own thread and port. */
export const SafetySocketSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** its port; omitted: the server's port + 1 (any free port when the server's port is 0) */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    /** open connections at most (a console opens one) */
    maxConnections: Type.Integer({ minimum: 1, maximum: 4096 }),
  },
  { additionalProperties: false },
);
export type SafetySocketConfig = Static<typeof SafetySocketSchema>;

/** The safety socket's port: the configured one, else the server's port + 1, or any free one when the server's is 0. */
export function safetySocketPort(config: Pick<TakeoverConfig, 'port' | 'safetySocket'>): number {
  if (config.safetySocket.port !== undefined) return config.safetySocket.port;
  return config.port === 0 || config.port === 65535 ? 0 : config.port + 1;
}

/** Retries and liveness of jobs on the shared queue (`takeover worker`). */
export const JobsConfigSchema = Type.Object(
  {
    /** runs after the first when a run fails or its worker is lost (default 2) */
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    /** a run still going after this long is failed (default 43200 = 12 h; at most 23 h) */
    timeoutSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 23 * 3600 })),
    /** how often a worker writes a running job's heartbeat and progress, ms (default 2000) */
    heartbeatMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000 })),
    /** a running job whose heartbeat is older than this lost its worker and runs again, ms (default 60000) */
    staleMs: Type.Optional(Type.Integer({ minimum: 300, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);
export type JobsConfig = Static<typeof JobsConfigSchema>;

/**
 * Finished journals uploaded to S3-compatible object storage (docs/deployment.md, "Object
 * storage"). Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role), never from this file.
 */
export const ObjectStoreSchema = Type.Object(
  {
    bucket: Type.String({ minLength: 3, maxLength: 63, pattern: '^[a-z0-9][a-z0-9.-]+[a-z0-9]$', description: 'an existing bucket' }),
    /** prepended to each key: `<prefix>episodes/<id>.mcap` */
    prefix: Type.Optional(Type.String({ maxLength: 512, pattern: '^([^/].*/)?$', description: "key prefix ending in '/', e.g. 'lab-a/'" })),
    /** omit for AWS S3; MinIO or another S3-compatible server: its URL */
    endpoint: Type.Optional(Type.String({ pattern: '^https?://', description: 'http(s)://host:port of an S3-compatible server' })),
    /** default: AWS_REGION from the environment, else us-east-1 */
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    /** path-style URLs (bucket in the path, not the host name): MinIO and most self-hosted servers need it */
    forcePathStyle: Type.Optional(Type.Boolean()),
    /** keep the local journal once its upload is verified (default true); false deletes it */
    keepLocal: Type.Optional(Type.Boolean()),
    /** longest wait between upload attempts after failures, ms (default 60000; the first wait is 1000 or less) */
    retryMaxMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);
export type ObjectStoreConfig = Static<typeof ObjectStoreSchema>;

/** The whole server configuration (docs/configuration.md). */
export const TakeoverConfigSchema = Type.Object(
  {
    host: Type.String(),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    dataDir: Type.String({ minLength: 1 }),
    controlRateHz: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
    heartbeatTimeoutMs: Type.Number({ minimum: 10, maximum: 60_000 }),
    /** who may reset an e-stop: the operator who pressed it or an admin (default), or any operator */
    estopReset: Type.Optional(Type.Union([Type.Literal('presser-or-admin'), Type.Literal('any-operator')])),
    /** time the policy has to answer in a tick; default half a tick */
    policyDeadlineMs: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    actionScale: Type.Object({ translation: Type.Number({ exclusiveMinimum: 0 }), rotation: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
    limits: LimitsSchema,
    robots: Type.Array(RobotConfigSchema, { maxItems: 256 }),
    tokens: Type.Array(TokenConfigSchema),
    /** record episodes into dataDir (MCAP journals + SQLite catalog) */
    record: Type.Boolean(),
    /** built console served at / when the folder exists */
    webDir: Type.String(),
    /** a viewer whose socket buffers more than this has its stale frames dropped, bytes */
    maxClientBufferBytes: Type.Integer({ minimum: 1024 }),
    wsLimits: WsLimitsSchema,
    /** the camera socket /ws/cameras and camera frames (docs/configuration.md "Cameras"); defaults apply to what is left out */
    cameraLimits: Type.Optional(CameraLimitsSchema),
    restLimits: RestLimitsSchema,
    safetySocket: SafetySocketSchema,
    /**
     * browser origins allowed to open /ws besides the server's own and localhost on any port,
     * e.g. 'https://console.lab.example:8443' (docs/security.md, "Origin allowlist")
     */
    allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/?#\\s]+$' })),
    /** serve HTTPS and WSS (omit: HTTP and WS) */
    tls: Type.Optional(TlsSchema),
    audit: AuditSchema,
    /**
     * niceness of the server's threads (-20 highest .. 19 lowest; below 0 needs root or CAP_SYS_NICE):
     * the control thread must win the CPU from everything else on the machine, the network thread
     * (e-stops, replies) from ordinary processes
     */
    threadNice: Type.Object(
      {
        control: Type.Integer({ minimum: -20, maximum: 19 }),
        network: Type.Integer({ minimum: -20, maximum: 19 }),
        /** SCHED_FIFO priority of the control thread (1..99; 0: ordinary scheduling at `control` niceness only) */
        controlRealtime: Type.Integer({ minimum: 0, maximum: 99 }),
      },
      { additionalProperties: false },
    ),
    /** the control thread takes a message that arrives in its pre-tick sleep at once (its doorbell): about half the teleop latency, a little more tick jitter; false: after the tick */
    controlDoorbell: Type.Boolean(),
    /**
     * a PostgreSQL URL (postgres://user:password@host:5432/db): the catalog, policy versions, audit log,
     * job queue and server registry live there, shared by several servers (docs/deployment.md);
     * omit for the embedded default (SQLite catalog and files in dataDir, jobs in-process)
     */
    database: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://user:password@host:port/database' })),
    /** upload finished journals to S3-compatible storage (docs/deployment.md, "Object storage"); omit: journals stay in dataDir only */
    objectStore: Type.Optional(ObjectStoreSchema),
    /** the job queue with a database (docs/deployment.md, "Workers") */
    jobs: Type.Optional(JobsConfigSchema),
    /** this server's id in a shared database (default: `<hostname>-<random>`, made once and kept in `<dataDir>/server-id`) */
    serverId: Type.Optional(Type.String({ pattern: SAFE_NAME_PATTERN })),
    /** how often this server writes its heartbeat and robots' health to a shared database's server registry, ms (default 2000) */
    serverHeartbeatMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000 })),
    logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  },
  { additionalProperties: false, $id: 'takeover/Config' },
);
export type TakeoverConfig = Static<typeof TakeoverConfigSchema>;

/** Defaults: one simulated Panda on `place`, bound to loopback. */
export function defaultConfig(): TakeoverConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: './data',
    controlRateHz: 20,
    heartbeatTimeoutMs: 1000,
    actionScale: { translation: 0.25, rotation: 1.5 },
    limits: {},
    robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'default' }],
    tokens: [],
    record: true,
    webDir: 'web/dist',
    maxClientBufferBytes: 256 * 1024,
    wsLimits: {
      maxConnections: 512,
      maxConnectionsPerToken: 64,
      // one operator teleoping 16 robots at 50 Hz sends 800 frames/s (bench/latency-worker.ts)
      messagesPerSecond: 1000,
      messageBurst: 2000,
      bytesPerSecond: 512 * 1024,
      byteBurst: 1024 * 1024,
      errorsPerSecond: 200,
      errorBurst: 400,
      maxQueuedBytes: 1024 * 1024,
      helloTimeoutMs: 5000,
      maxHelloBytes: 1024,
      closeTimeoutMs: 1000,
    },
    restLimits: { timeWindowMs: 1000, readMax: 1000, writeMax: 20 },
    safetySocket: { enabled: true, maxConnections: 64 },
    allowedOrigins: [],
    audit: { maxFileBytes: 10 * 1024 * 1024, keepFiles: 5 },
    threadNice: { control: -15, network: -5, controlRealtime: 20 },
    controlDoorbell: true,
    logLevel: 'info',
  };
}
