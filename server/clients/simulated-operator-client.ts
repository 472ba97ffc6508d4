import WebSocket from 'ws';
import type { Observation } from '../../core/observation.ts';
import type { SimulatedOperator } from '../../sim/simulated-operator.ts';
import { decodeServerMessage, encodeMessage } from '../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerInfoMessage, type ServerMessage, type StateMessage } from '../../protocol/messages.ts';

export interface OperatorClientStats {
  frames: number;
  interventions: number;
  rewinds: number;
  operatorSteps: number;
  errors: string[];
  episodes: number;
}

/**
 * The simulated operator as a WebSocket client of a live server (docs/protocol.md): it watches
 * one robot's state frames and answers them with the protocol's own commands (take_over, rewind,
 * teleop, hand_back, heartbeat), exactly as a person's console would.
 */
export class SimulatedOperatorClient {
  readonly stats: OperatorClientStats = { frames: 0, interventions: 0, rewinds: 0, operatorSteps: 0, errors: [], episodes: 0 };
  /** seq of the last state frame whose commands the server has taken (acknowledged by a heartbeat echo) */
  handledSeq = -1;
  readonly #op: SimulatedOperator;
  readonly #robot: string;
  #ws: WebSocket | null = null;
  #episodeId: string | null = null;
  #rewound = false;
  #ref = 1;
  /** our operator id, from server_info (the state frames name the lease holder) */
  #me: string | null = null;

  constructor(operator: SimulatedOperator, robot: string) {
    this.#op = operator;
    this.#robot = robot;
  }

  /** Connects, signs in, subscribes to the robot; resolves with the server's info. */
  connect(url: string, token: string): Promise<ServerInfoMessage> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.#ws = ws;
      ws.binaryType = 'nodebuffer';
      ws.on('open', () => this.#send({ type: 'hello', protocol: PROTOCOL_VERSION, token, client: 'takeover-simulated-operator' }));
      ws.on('error', (err) => reject(err));
      ws.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
      ws.on('message', (data: Buffer) => {
        const d = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (!d.ok) return void this.stats.errors.push(`undecodable frame: ${d.message}`);
        const msg = d.msg as ServerMessage;
        if (msg.type === 'server_info') {
          if (!msg.robots.some((r) => r.id === this.#robot)) return reject(new Error(`the server has no robot '${this.#robot}'`));
          this.#me = msg.operator.id;
          this.#send({ type: 'subscribe', robots: [this.#robot] });
          resolve(msg);
        } else this.#handle(msg);
      });
    });
  }

  close(): void {
    this.#ws?.close();
  }

  #handle(msg: ServerMessage): void {
    if (msg.type === 'error') this.stats.errors.push(`${msg.code}: ${msg.message}`);
    else if (msg.type === 'heartbeat_ack' && typeof msg.t === 'number') this.handledSeq = msg.t;
    else if (msg.type === 'state' && msg.robot === this.#robot) this.#onState(msg);
  }

  #onState(s: StateMessage): void {
    this.stats.frames++;
    const obs = toObservation(s);
    if (s.episode && s.episode.id !== this.#episodeId) {
      this.#episodeId = s.episode.id;
      this.stats.episodes++;
      this.#op.reset(obs);
    }
    if (this.#rewound) {
      this.#rewound = false;
      this.#op.rewound(obs);
    }
    const d = this.#op.decide(obs, { mode: s.mode, proposed: s.proposed, holdsLease: s.lease !== null && s.lease === this.#me });
    const robot = this.#robot;
    if (d.type === 'take_over') {
      this.stats.interventions++;
      this.#send({ type: 'take_over', robot, ref: this.#ref++ });
      if (d.rewindSeconds !== null) {
        this.#send({ type: 'rewind', robot, seconds: d.rewindSeconds, ref: this.#ref++ });
        this.stats.rewinds++;
        this.#rewound = true;
      }
    } else if (d.type === 'correct') {
      this.stats.operatorSteps++;
      this.#send({ type: 'teleop', robot, kind: 'delta', action: Array.from(d.action) });
    } else if (d.type === 'hand_back') {
      this.#send({ type: 'hand_back', robot, ref: this.#ref++ });
    }
    // echo the frame's seq: once it comes back, the server has taken everything sent before it
    this.#send({ type: 'heartbeat', t: s.seq });
  }

  #send(m: ClientMessage): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(encodeMessage(m));
  }
}

/** A state frame's observation, in the control loop's form. */
function toObservation(s: StateMessage): Observation {
  return {
    t: s.t, q: Float64Array.from(s.q), qd: Float64Array.from(s.qd), eePos: Float64Array.from(s.eePos),
    eeQuat: Float64Array.from(s.eeQuat), gripper: s.gripper, objects: s.objects,
  };
}
