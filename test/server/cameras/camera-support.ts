import WebSocket from 'ws';
import { decodeCameraMessage } from '../../../protocol/camera-codec.ts';
import type { CameraMessage } from '../../../protocol/camera-messages.ts';

/** TEST CLIENT of the camera socket: queues decoded messages; `pause()` stops reading (a slow viewer). */
export class CameraClient {
  readonly ws: WebSocket;
  readonly inbox: CameraMessage[] = [];
  images = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
  }

  #read(data: Buffer): void {
    const d = decodeCameraMessage(new Uint8Array(data));
    if (!d.ok) throw new Error(`camera socket sent an invalid frame: ${d.message}`);
    if (d.msg.type === 'image') this.images++;
    this.inbox.push(d.msg);
  }

  /** Opens /ws/cameras; rejects with the upgrade's status and body when refused. */
  static async open(base: string, query: string): Promise<CameraClient> {
    const ws = new WebSocket(`${base}/ws/cameras?${query}`);
    const client = new CameraClient(ws);
    // the server writes at once: listen before 'open' resolves, or the first frames are missed
    ws.on('message', (data: Buffer) => client.#read(data));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body}`)));
      });
    });
    return client;
  }

  /** The images received so far. */
  frames(): Array<Extract<CameraMessage, { type: 'image' }>> {
    return this.inbox.filter((m): m is Extract<CameraMessage, { type: 'image' }> => m.type === 'image');
  }

  pause(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  close(): void {
    this.ws.close();
  }
}
