import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { ModeSchema, SourceSchema } from '../core/mode.ts';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';
import { ModelDescriptionSchema } from './model-description.ts';

/**
 * Every WebSocket message of takeover, client -> server and server -> client, as TypeBox schemas:
 * a union discriminated on `type`. The one source for validation, the codec, the console and
 * docs/protocol.md. Node-free: the browser imports this module.
 */
export const PROTOCOL_VERSION = 2;
/** versions this server accepts in hello (2: server_info sends each robot model once, in `models`) */
export const SUPPORTED_PROTOCOLS = [2];

const Finite = (opts: { minimum?: number; maximum?: number; description?: string } = {}) => Type.Number(opts);
const Vec = (n: number, lim: number) => Type.Array(Finite({ minimum: -lim, maximum: lim }), { minItems: n, maxItems: n });
const RobotId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const Ref = Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'client correlation id, echoed in ack/error' }));
const strict = { additionalProperties: false } as const;
/** normalized action: EE delta and gripper, each in [-1, 1] */
const Action = Type.Array(Finite({ minimum: -1, maximum: 1 }), { minItems: 7, maxItems: 7 });
const RobotSelector = Type.Union([Type.Literal('*'), Type.Array(RobotId, { maxItems: 256 })]);

// ---------------------------------------------------------------- client -> server

export const HelloSchema = Type.Object(
  { type: Type.Literal('hello'), protocol: Type.Integer({ minimum: 0, maximum: 1000 }), token: Type.Optional(Type.String({ maxLength: 256 })), client: Type.Optional(Type.String({ maxLength: 128 })) },
  { ...strict, $id: 'takeover/Hello', description: 'first message: protocol version and, unless given at the upgrade, the token' },
);
export const SubscribeSchema = Type.Object(
  { type: Type.Literal('subscribe'), robots: RobotSelector, maxRate: Type.Optional(Finite({ minimum: 0.1, maximum: 1000, description: 'state frames per second per robot, at most' })) },
  { ...strict, $id: 'takeover/Subscribe' },
);
export const UnsubscribeSchema = Type.Object({ type: Type.Literal('unsubscribe'), robots: RobotSelector }, { ...strict, $id: 'takeover/Unsubscribe' });

const robotCommand = <T extends string, E extends TProperties = {}>(type: T, description: string, extra: E = {} as E) =>
  Type.Object({ type: Type.Literal(type), robot: RobotId, ref: Ref, ...extra }, { ...strict, $id: `takeover/${type}`, description });

export const TakeOverSchema = robotCommand('take_over', 'take the control lease; admins may force it from another operator', { force: Type.Optional(Type.Boolean()) });
export const HandBackSchema = robotCommand('hand_back', 'release the lease; the policy drives again');
/** Copies of one button press (sent on /ws and the safety socket) act once: a late copy cannot undo a reset or resume made meanwhile. */
const Press = Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'the button press this comes from; copies with the same press act once (docs/protocol.md "Safety socket")' }));
export const PauseSchema = robotCommand('pause', 'hold position', { press: Press });
export const ResumeSchema = robotCommand('resume', 'leave PAUSED: to INTERVENING if a lease is held, else AUTONOMOUS');
export const EstopSchema = robotCommand('estop', 'latched emergency stop (any operator)', { press: Press });
export const ResetEstopSchema = robotCommand('reset_estop', 'leave ESTOP into PAUSED');
export const ResetEpisodeSchema = robotCommand('reset_episode', 'end the episode (aborted) and start one, with this seed or the next', {
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
});
export const MarkOutcomeSchema = robotCommand('mark_outcome', "the operator's verdict on the current episode", {
  outcome: Type.Union([Type.Literal('success'), Type.Literal('failure')]),
  episodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'the episode the verdict is for: refused if another one is running' })),
});
export const RewindSchema = robotCommand('rewind', 'go back within the current episode, to a step index or by some seconds (give exactly one); then the sender is INTERVENING', {
  toStep: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  seconds: Type.Optional(Finite({ minimum: 0.001, maximum: 3600, description: 'seconds back from now' })),
});
export const DismissHelpSchema = robotCommand('dismiss_help', "close the robot's open help request: the policy carries on (a robot the request paused resumes)");
/** the operator opted in to implicit take-over: teleop on a robot nobody holds takes it over first */
const ImplicitTakeOver = Type.Optional(Type.Boolean({ description: 'take the robot over first if nobody holds its lease (the operator opted in to implicit take-over)' }));
export const TeleopDeltaSchema = Type.Object(
  { type: Type.Literal('teleop'), robot: RobotId, ref: Ref, kind: Type.Literal('delta'), action: Action, takeOver: ImplicitTakeOver },
  { ...strict, $id: 'takeover/TeleopDelta', description: 'normalized EE delta + gripper, held like a joystick for 0.25 s' },
);
export const TeleopPoseSchema = Type.Object(
  {
    type: Type.Literal('teleop'), robot: RobotId, ref: Ref, kind: Type.Literal('pose'), takeOver: ImplicitTakeOver,
    pos: Vec(3, 10), quat: Vec(4, 1), gripper: Finite({ minimum: -1, maximum: 1 }),
  },
  { ...strict, $id: 'takeover/TeleopPose', description: 'absolute EE target in the robot base frame (m, quaternion w x y z); persists until replaced' },
);
export const TeleopSchema = Type.Union([TeleopDeltaSchema, TeleopPoseSchema], { $id: 'takeover/Teleop' });
export const HeartbeatSchema = Type.Object(
  { type: Type.Literal('heartbeat'), t: Type.Optional(Finite({ description: 'client clock, echoed back' })) },
  { ...strict, $id: 'takeover/Heartbeat' },
);

export const CLIENT_SCHEMAS = {
  hello: HelloSchema, subscribe: SubscribeSchema, unsubscribe: UnsubscribeSchema,
  take_over: TakeOverSchema, hand_back: HandBackSchema, pause: PauseSchema, resume: ResumeSchema,
  estop: EstopSchema, reset_estop: ResetEstopSchema, teleop: TeleopSchema,
  reset_episode: ResetEpisodeSchema, mark_outcome: MarkOutcomeSchema, heartbeat: HeartbeatSchema,
  rewind: RewindSchema, dismiss_help: DismissHelpSchema,
} as const;
export type ClientMessageType = keyof typeof CLIENT_SCHEMAS;
export const ClientMessageSchema = Type.Union(Object.values(CLIENT_SCHEMAS), { $id: 'takeover/ClientMessage' });
export type ClientMessage = Static<typeof ClientMessageSchema>;
export type TeleopMessage = Static<typeof TeleopSchema>;
/** commands that address one robot */
export type RobotCommandMessage = Extract<ClientMessage, { robot: string }>;

// ---------------------------------------------------------------- server -> client

const Nums = Type.Array(Type.Number());
export const RoleSchema = Type.Union([Type.Literal('viewer'), Type.Literal('operator'), Type.Literal('admin')], { $id: 'takeover/Role' });

/** What a client knows of a robot, its model aside (shared by RobotInfo and the wire's RobotSummary). */
const robotInfoFields = () => ({
  id: RobotId, kind: Type.String(), task: Type.String(), controlRateHz: Type.Number(),
  jointNames: Type.Array(Type.String()), lower: Nums, upper: Nums, velocityLimit: Nums,
  gripperRange: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }), eeName: Type.String(),
  capabilities: Type.Object({ restoreState: Type.Boolean(), gripper: Type.Boolean(), simulated: Type.Boolean() }),
  workspace: Type.Object({ min: Nums, max: Nums }), maxEeStep: Type.Number(),
  actionScale: Type.Object({ translation: Type.Number(), rotation: Type.Number() }),
  policy: Type.Union([Type.Object({ name: Type.String(), version: Type.Union([Type.String(), Type.Null()]) }), Type.Null()]),
});

/** A robot with its model inline (GET /api/robots/:id; what a console rebuilds from server_info). */
export const RobotInfoSchema = Type.Object(
  { ...robotInfoFields(), model: Type.Union([ModelDescriptionSchema, Type.Null()]) },
  { $id: 'takeover/RobotInfo' },
);
export type RobotInfo = Static<typeof RobotInfoSchema>;

/** A robot in server_info: its model by key into `server_info.models` (one copy per distinct model). */
export const RobotSummarySchema = Type.Object(
  { ...robotInfoFields(), modelKey: Type.Union([Type.String({ maxLength: 128 }), Type.Null()], { description: 'key into server_info.models; null: no model' }) },
  { $id: 'takeover/RobotSummary' },
);
export type RobotSummary = Static<typeof RobotSummarySchema>;

export const ServerInfoSchema = Type.Object(
  {
    type: Type.Literal('server_info'), protocol: Type.Integer(), server: Type.Object({ name: Type.String(), version: Type.String() }),
    clientId: Type.String(), operator: Type.Object({ id: Type.String(), role: RoleSchema }),
    heartbeatTimeoutMs: Type.Number(),
    maxFrameBytes: Type.Integer({ description: 'largest frame the server decodes (client -> server)' }),
    models: Type.Record(Type.String(), ModelDescriptionSchema, { description: 'robot models, each sent once; robots name theirs by modelKey' }),
    robots: Type.Array(RobotSummarySchema),
    safety: Type.Optional(Type.Object(
      { port: Type.Integer(), path: Type.String() },
      { description: 'the safety socket: e-stops, pauses and heartbeats sent there skip the busy network thread (docs/protocol.md "Safety socket"); absent: not running' },
    )),
  },
  { $id: 'takeover/ServerInfo', description: 'answer to hello' },
);

export const EpisodeRefSchema = Type.Object({ id: Type.String(), index: Type.Integer(), step: Type.Integer(), seed: Type.Integer(), task: Type.String() });

export const HelpRequestSchema = Type.Object(
  {
    reason: Type.String({ description: 'why the policy asks, e.g. "ensemble disagreement 0.41 > 0.22"' }),
    score: Type.Number({ description: 'the uncertainty score that crossed the threshold' }),
    threshold: Type.Number({ description: "the policy version's calibrated threshold" }),
    since: Type.Number({ description: 'server epoch time the request was raised, ms' }),
    action: Type.Union([Type.Literal('notify'), Type.Literal('slow'), Type.Literal('pause')], { description: 'what the robot does while it waits' }),
    over: Type.Optional(Type.Literal(false, { description: "present (false) while the robot's score has been back under the threshold since it asked (a robot that carries on while it asks and recovered); absent: still over, or held and not scored" })),
  },
  { $id: 'takeover/HelpRequest', description: 'an open request for a human, raised by the running policy' },
);
export type HelpRequest = Static<typeof HelpRequestSchema>;

/** The running policy's uncertainty scores on the robot's last tick (robot status: docs/protocol.md "Help scores"). */
export const HelpScoresSchema = Type.Object(
  {
    helpScore: Type.Union([Type.Number(), Type.Null()], { description: "the novelty of the last observation against the version's training states (null: the version has no help model)" }),
    helpEnsembleScore: Type.Union([Type.Number(), Type.Null()], { description: "the disagreement of the version's ensemble heads on the last observation (null: the version has no ensemble heads)" }),
    helpRiskScore: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: "the version's learned probability that this episode fails, on the last observation (absent or null: no failure-risk model)" })),
  },
  { $id: 'takeover/HelpScores' },
);
export type HelpScores = Static<typeof HelpScoresSchema>;

/** What can need a human, most urgent first (docs/protocol.md "Attention queue"). */
export const ATTENTION_KINDS = ['estop', 'help', 'paused', 'stale', 'rate', 'failed_episode'] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

export const AttentionItemSchema = Type.Object(
  {
    robot: RobotId,
    kind: Type.Union(ATTENTION_KINDS.map((k) => Type.Literal(k)), { description: 'estop, help request, pause, stale arm link, loop below rate, failed episode' }),
    reason: Type.String({ description: 'for a human: why, e.g. "heartbeat lost" or the help request reason' }),
    since: Type.Number({ description: 'server epoch time the condition was first seen (a help request: raised), ms' }),
    mode: ModeSchema,
    help: Type.Optional(HelpRequestSchema),
  },
  { $id: 'takeover/AttentionItem', description: 'one thing that needs a human' },
);
export type AttentionItem = Static<typeof AttentionItemSchema>;

/** The attention queue: the server's ordered list (REST body and the protocol message share it). */
export const AttentionListSchema = Type.Object(
  { items: Type.Array(AttentionItemSchema), at: Type.Number({ description: 'server epoch time of the list, ms' }) },
  { $id: 'takeover/AttentionList' },
);

export const StateSchema = Type.Object(
  {
    type: Type.Literal('state'), robot: RobotId,
    seq: Type.Integer({ description: 'tick counter of this robot, +1 per tick; gaps = frames dropped for this client' }),
    t: Type.Number({ description: 'loop time since the episode reset, s' }), wall: Type.Number({ description: 'server epoch time, ms' }),
    mode: ModeSchema, modeReason: Type.String(), lease: Type.Union([Type.String(), Type.Null()]),
    q: Nums, qd: Nums, eePos: Nums, eeQuat: Nums, gripper: Type.Number(),
    jointTargets: Nums, proposed: Type.Union([Nums, Type.Null()]), executed: Type.Union([Nums, Type.Null()]), source: SourceSchema,
    episode: Type.Union([EpisodeRefSchema, Type.Null()]), clamped: Type.Array(Type.String()),
    objects: Type.Array(Type.Object({ name: Type.String(), pos: Nums, quat: Nums })),
    bodies: Type.Optional(Nums),
    rateHz: Type.Number({ description: 'measured loop rate (NaN-free: 0 until known)' }),
    rateOk: Type.Boolean({ description: 'the measured rate is at least 90% of the configured one (true until measured)' }),
    policyErrors: Type.Optional(Type.Integer({ description: 'policy calls that threw so far (absent: none)' })),
    lastPolicyError: Type.Optional(Type.String({ description: 'the message of the last policy call that threw (absent: none)' })),
    help: Type.Optional(HelpRequestSchema),
    helpScore: Type.Optional(Type.Number({ description: "the policy's novelty score on this tick (absent: the version has no help model)" })),
    helpEnsembleScore: Type.Optional(Type.Number({ description: "the disagreement of the version's ensemble heads on this tick (absent: no ensemble heads)" })),
    helpRiskScore: Type.Optional(Type.Number({ description: "the version's learned failure risk on this tick (absent: no failure-risk model)" })),
  },
  { $id: 'takeover/State' },
);
export type StateMessage = Static<typeof StateSchema>;

export const AckSchema = Type.Object({ type: Type.Literal('ack'), ref: Type.Optional(Type.Integer()), for: Type.String(), robot: Type.Optional(Type.String()) }, { $id: 'takeover/Ack' });
export const ErrorCodeSchema = Type.Union((Object.keys(ERROR_CODES) as ErrorCode[]).map((c) => Type.Literal(c)), { $id: 'takeover/ErrorCode' });
export const ErrorSchema = Type.Object(
  { type: Type.Literal('error'), code: ErrorCodeSchema, message: Type.String(), ref: Type.Optional(Type.Integer()), for: Type.Optional(Type.String()) },
  { $id: 'takeover/Error' },
);
export const EventSchema = Type.Object(
  {
    type: Type.Literal('event'), robot: RobotId, event: Type.Union([Type.Literal('mode'), Type.Literal('episode_start'), Type.Literal('episode_end'), Type.Literal('rewind'), Type.Literal('help')]),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'takeover/Event', description: 'mode, lease and episode changes, sent to subscribers of the robot' },
);
export const AttentionSchema = Type.Object(
  { type: Type.Literal('attention'), items: Type.Array(AttentionItemSchema), at: Type.Number() },
  { $id: 'takeover/Attention', description: 'the attention queue, most urgent first: after server_info and whenever it changes, to every signed-in client' },
);
export const HeartbeatAckSchema = Type.Object({ type: Type.Literal('heartbeat_ack'), t: Type.Optional(Type.Number()), serverTime: Type.Number() }, { $id: 'takeover/HeartbeatAck' });

export const SERVER_SCHEMAS = {
  server_info: ServerInfoSchema, state: StateSchema, ack: AckSchema, error: ErrorSchema, event: EventSchema, heartbeat_ack: HeartbeatAckSchema, attention: AttentionSchema,
} as const;
export type ServerMessageType = keyof typeof SERVER_SCHEMAS;
export const ServerMessageSchema = Type.Union(Object.values(SERVER_SCHEMAS), { $id: 'takeover/ServerMessage' });
export type ServerMessage = Static<typeof ServerMessageSchema>;
export type ServerInfoMessage = Static<typeof ServerInfoSchema>;
export type ErrorMessage = Static<typeof ErrorSchema>;
