import type { Transport, TransportFactory } from '../../../web/net/transport.ts';

/** TEST DOUBLE transport: the client's end of an in-memory pipe; the test plays the server. */
export class MemoryTransport implements Transport {
  onmessage: ((bytes: Uint8Array) => void) | null = null;
  onclose: ((info: { code: number; reason: string }) => void) | null = null;
  isOpen = true;
  readonly sent: Uint8Array[] = [];
  /** called on every client frame (the fake server's handler) */
  onSend: ((bytes: Uint8Array) => void) | null = null;

  send(bytes: Uint8Array): void {
    if (!this.isOpen) return;
    this.sent.push(bytes);
    this.onSend?.(bytes);
  }

  close(): void {
    this.isOpen = false;
  }

  /** The fake server sends a frame to the client. */
  deliver(bytes: Uint8Array): void {
    this.onmessage?.(bytes);
  }

  /** The fake server closes the connection. */
  serverClose(code: number, reason = ''): void {
    this.isOpen = false;
    this.onclose?.({ code, reason });
  }
}

/** A factory that hands out one prepared MemoryTransport. */
export function memoryFactory(t: MemoryTransport): TransportFactory {
  return async () => t;
}
