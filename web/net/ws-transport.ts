import type { Transport, TransportFactory } from './transport.ts';

// WebSocket readyState values (the global constants are missing where WebSocket is not global, Node 20).
const CONNECTING = 0;
const OPEN = 1;

/** The part of the WebSocket API a transport uses: the browser's, or `ws` in Node. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((e: unknown) => void) | null;
  onerror: ((e: unknown) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** A Transport over a WebSocket, binary frames only. */
export class WsTransport implements Transport {
  onmessage: ((bytes: Uint8Array) => void) | null = null;
  onclose: ((info: { code: number; reason: string }) => void) | null = null;
  readonly #ws: WebSocketLike;

  constructor(ws: WebSocketLike) {
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) this.onmessage?.(new Uint8Array(e.data));
    };
    ws.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === OPEN;
  }

  send(bytes: Uint8Array): void {
    if (this.isOpen) this.#ws.send(bytes);
  }

  close(): void {
    if (this.#ws.readyState === OPEN || this.#ws.readyState === CONNECTING) this.#ws.close(1000, 'client closed');
  }
}

/** A factory that opens a WebSocket (the global one by default) and resolves when it is open. */
export function createWsTransportFactory(WebSocketCtor: new (url: string) => WebSocketLike = globalThis.WebSocket as never): TransportFactory {
  return (url) =>
    new Promise((resolve, reject) => {
      const ws = new WebSocketCtor(url);
      ws.onopen = () => resolve(new WsTransport(ws));
      ws.onerror = () => reject(new Error(`WebSocket to ${url} failed to open`));
    });
}

/** The browser default. */
export const wsTransportFactory: TransportFactory = (url) => createWsTransportFactory()(url);
