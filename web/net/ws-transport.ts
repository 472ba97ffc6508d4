import type { Transport, TransportFactory } from './transport.ts';

/** A Transport over the browser's (or Node's) WebSocket, binary frames only. */
export class WsTransport implements Transport {
  onmessage: ((bytes: Uint8Array) => void) | null = null;
  onclose: ((info: { code: number; reason: string }) => void) | null = null;
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) this.onmessage?.(new Uint8Array(e.data));
    };
    ws.onclose = (e) => this.onclose?.({ code: e.code, reason: e.reason });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  send(bytes: Uint8Array): void {
    if (this.isOpen) this.#ws.send(bytes);
  }

  close(): void {
    if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) this.#ws.close(1000, 'client closed');
  }
}

/** Opens a WebSocket and resolves when it is open; rejects with the close code if it never opens. */
export const wsTransportFactory: TransportFactory = (url) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve(new WsTransport(ws));
    ws.onerror = () => reject(new Error(`WebSocket to ${url} failed to open`));
  });
