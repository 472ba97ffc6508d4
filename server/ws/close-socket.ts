import { WebSocket } from 'ws';

const armed = new WeakSet<WebSocket>();

/**
 * Closes with `code` (unless a close is already under way) and destroys the socket if the close
 * handshake has not completed after `graceMs`: a client that does not read never answers the
 * close frame, and ws itself would hold the socket for 30 s.
 */
export function closeSocket(socket: WebSocket, graceMs: number, code?: number, reason?: string): void {
  if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
  if (socket.readyState !== WebSocket.CLOSING || armed.has(socket)) return;
  armed.add(socket);
  const timer = setTimeout(() => socket.terminate(), graceMs);
  socket.once('close', () => clearTimeout(timer));
}
