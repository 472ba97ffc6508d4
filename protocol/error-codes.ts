/**
 * Every error code the server sends, over REST (`code` in the JSON body) and in WebSocket `error`
 * frames. Node-free: the console imports it through messages.ts.
 */
export const ERROR_CODES = {
  TKO_ERR_BAD_FRAME: 'the frame is not a msgpack-encoded message',
  TKO_ERR_FRAME_TOO_LARGE: 'the frame is larger than the limit of its direction (64 KiB to the server, 4 MiB from it)',
  TKO_ERR_UNKNOWN_TYPE: 'the message type is not part of the protocol',
  TKO_ERR_INVALID_MESSAGE: 'a field is missing, of the wrong type, not finite or out of range',
  TKO_ERR_PROTOCOL_VERSION: 'the client speaks a protocol version the server does not support',
  TKO_ERR_HELLO_REQUIRED: 'the first message must be hello',
  TKO_ERR_HELLO_REPEATED: 'this connection already said hello; its identity cannot change (open another connection)',
  TKO_ERR_UNAUTHENTICATED: 'no valid token',
  TKO_ERR_FORBIDDEN: 'the role of this token does not allow the request',
  TKO_ERR_UNKNOWN_ROBOT: 'no robot with this id',
  TKO_ERR_LEASE_HELD: 'another operator holds the control lease of this robot',
  TKO_ERR_NOT_LEASE_HOLDER: 'only the operator holding the control lease may do this',
  TKO_ERR_NO_SESSION: 'this needs a live, signed-in WebSocket session of the same operator',
  TKO_ERR_ESTOP_LATCHED: 'the robot is e-stopped; reset_estop first',
  TKO_ERR_BAD_TRANSITION: 'the robot is not in a mode that allows this command',
  TKO_ERR_UNSUPPORTED: 'the robot lacks the capability this needs',
  TKO_ERR_REWIND_RANGE: 'the rewind target is not in the remembered history of the current episode',
  TKO_ERR_NOT_FOUND: 'no such resource',
  TKO_ERR_BAD_REQUEST: 'the request does not match its schema',
  TKO_ERR_CONFIG: 'the configuration is invalid',
  TKO_ERR_POLICY_INCOMPATIBLE: 'the robot cannot supply the observation the policy reads (joints, objects, frame); the message names what is missing',
  TKO_ERR_NOT_CONNECTED: 'the robot bridge is not connected',
  TKO_ERR_ALREADY_CONNECTED: 'the robot bridge is already connected',
  TKO_ERR_BUSY: 'the control thread has too many commands queued; this one was refused, send it again',
  TKO_ERR_RATE_LIMITED: 'this client sends faster than its budget allows (WebSocket: the connection closes with 4004; REST: 429)',
  TKO_ERR_TOO_MANY_CONNECTIONS: 'the server, or this token, has as many open connections as allowed',
  TKO_ERR_CATALOG_BUSY: 'the recordings catalog is locked by another process; retry shortly',
  TKO_ERR_SAFETY_SOCKET: 'the safety socket reads only hello, heartbeat, estop and pause; everything else goes on /ws',
  TKO_ERR_INTERNAL: 'an unexpected server error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes the server uses (4000-4999 are application-defined). */
export const CLOSE_CODES = {
  /** the server shuts down */
  GOING_AWAY: 1001,
  /** a frame over the hard transport cap (ws maxPayload, 1 MiB) */
  MESSAGE_TOO_BIG: 1009,
  /** bad or missing token, or no hello within the hello timeout */
  UNAUTHENTICATED: 4001,
  /** the hello named a protocol version the server does not speak */
  PROTOCOL_VERSION: 4002,
  /** a frame other than hello (or a frame over the hello size cap) before hello */
  HELLO_REQUIRED: 4003,
  /** the connection spent its message, byte or error budget */
  RATE_LIMITED: 4004,
  /** the client does not read: the replies owed to it passed the queue bound */
  SLOW_CONSUMER: 4005,
  /** the hello's token already has as many connections as allowed */
  TOO_MANY_CONNECTIONS: 4006,
} as const;

/** Whether a string is one of this protocol's error codes. */
export function isErrorCode(s: string): s is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, s);
}
