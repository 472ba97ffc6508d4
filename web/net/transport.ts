/**
 * The byte pipe under TakeoverClient (roslibjs's ITransport): the browser WebSocket by default,
 * an in-memory pair in tests, a WebRTC data channel later. Decoding lives in the client, once.
 */
export interface Transport {
  /** sends one binary frame; a closed transport drops it (motion commands are never queued) */
  send(bytes: Uint8Array): void;
  /** idempotent */
  close(): void;
  readonly isOpen: boolean;
  onmessage: ((bytes: Uint8Array) => void) | null;
  onclose: ((info: { code: number; reason: string }) => void) | null;
}

/** Opens a transport to a URL; resolves once it is open. */
export type TransportFactory = (url: string) => Promise<Transport>;
