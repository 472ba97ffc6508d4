import * as roslibUntyped from 'roslib';

/**
 * The parts of roslib 2.x the bridge uses, typed here because roslib's own declarations re-export
 * `./src/RosLib` without an extension, which TypeScript's NodeNext resolution cannot follow (its
 * exports then look empty). Shapes follow roslib's src/core/{Ros,Topic,Service,transport}.ts.
 */
export type RosbridgeOp = { op: string; [k: string]: unknown };

export interface RoslibTransport {
  on(event: 'open' | 'close' | 'error', listener: (event: unknown) => void): this;
  on(event: 'message', listener: (message: RosbridgeOp) => void): this;
  send(message: RosbridgeOp): void;
  close(): void;
  isConnecting(): boolean;
  isOpen(): boolean;
  isClosing(): boolean;
  isClosed(): boolean;
}

/** roslib's transport seam: url -> an opening transport. */
export type TransportFactory = (url: string) => Promise<RoslibTransport>;

export interface RoslibRos {
  readonly isConnected: boolean;
  connect(url: string): Promise<void>;
  close(): void;
  on(event: string, fn: (...args: unknown[]) => void): this;
  once(event: string, fn: (...args: unknown[]) => void): this;
}

export interface RoslibTopic<T> {
  subscribe(cb: (msg: T) => void): void;
  unsubscribe(cb?: (msg: T) => void): void;
  advertise(): void;
  unadvertise(): void;
  publish(msg: T): void;
}

export interface RoslibService<Req, Res> {
  callService(req: Req, cb?: (res: Res) => void, failed?: (err: string) => void, timeout?: number): void;
}

interface RoslibModule {
  Ros: new (o: { url?: string; transportFactory?: TransportFactory }) => RoslibRos;
  Topic: new <T>(o: { ros: RoslibRos; name: string; messageType: string; queue_size?: number; queue_length?: number; throttle_rate?: number }) => RoslibTopic<T>;
  Service: new <Req, Res>(o: { ros: RoslibRos; name: string; serviceType: string }) => RoslibService<Req, Res>;
  WebSocketTransportFactory: TransportFactory;
}

export const ROSLIB = roslibUntyped as unknown as RoslibModule;
