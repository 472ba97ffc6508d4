import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeCameraMessage } from '../../../protocol/camera-codec.ts';
import { CameraViewer, type ViewerSocket } from '../../../server/cameras/camera-viewer.ts';
import type { CameraImage } from '../../../server/cameras/camera-image.ts';

/** TEST DOUBLE socket: records what was sent; `bufferedAmount` is set by the test. */
class FakeSocket implements ViewerSocket {
  bufferedAmount = 0;
  readyState = 1;
  sent: Array<ReturnType<typeof decodeCameraMessage>> = [];
  send(data: Uint8Array): void {
    this.sent.push(decodeCameraMessage(data));
  }
  images() {
    return this.sent.flatMap((d) => (d.ok && d.msg.type === 'image' ? [d.msg] : []));
  }
}

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const img = (camera: string, seq: number): CameraImage => ({ robot: 'r1', camera, format: 'jpeg', stamp: seq, frameId: 'f', receivedAt: 1000 + seq, seq, data: JPEG });

afterEach(() => vi.useRealTimers());

describe('CameraViewer', () => {
  it('sends at most the rate cap per camera; a newer frame replaces a waiting one, counted as dropped', () => {
    vi.useFakeTimers();
    const sock = new FakeSocket();
    const v = new CameraViewer('r1', sock, new Map([['wrist', 10]]), 1 << 20);
    v.offer(img('wrist', 0), 0);
    v.offer(img('wrist', 1), 10); // the one frame of slack
    v.offer(img('wrist', 2), 20); // over the cap: waits
    v.offer(img('wrist', 3), 30); // replaces 2
    expect(sock.images().map((m) => m.seq)).toEqual([0, 1]);
    expect(v.dropped).toBe(1);
    vi.advanceTimersByTime(100);
    expect(sock.images().map((m) => m.seq)).toEqual([0, 1, 3]);
    expect(sock.images()[2]).toMatchObject({ robot: 'r1', camera: 'wrist', format: 'jpeg', stamp: 3, receivedAt: 1003, dropped: 1 });
    v.close();
  });

  it('passes a stream at exactly the cap with jitter at once, without holding or dropping a frame', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const sock = new FakeSocket();
    const v = new CameraViewer('r1', sock, new Map([['wrist', 30]]), 1 << 20);
    const at = [0, 38, 63, 104, 131, 170, 197, 236, 262, 300];
    let now = 0;
    at.forEach((t, i) => {
      vi.advanceTimersByTime(t - now);
      now = t;
      v.offer(img('wrist', i), performance.now());
      // it leaves as it arrives: no frame waits for the cap
      expect(sock.images()).toHaveLength(i + 1);
    });
    vi.advanceTimersByTime(100);
    expect(v.dropped).toBe(0);
    expect(sock.images()).toHaveLength(at.length);
    v.close();
  });

  it('holds frames while its socket is backed up, keeps only the newest, and sends it once the socket drains', () => {
    vi.useFakeTimers();
    const sock = new FakeSocket();
    const v = new CameraViewer('r1', sock, new Map([['wrist', 1000], ['scene', 1000]]), 1000);
    sock.bufferedAmount = 5000;
    for (let i = 0; i < 50; i++) v.offer(img(i % 2 ? 'scene' : 'wrist', i), i * 2);
    expect(sock.sent).toHaveLength(0);
    expect(v.dropped).toBe(48); // one waiting frame per camera, at most
    sock.bufferedAmount = 0;
    vi.advanceTimersByTime(50);
    expect(sock.images().map((m) => [m.camera, m.seq])).toEqual([['wrist', 48], ['scene', 49]]);
    expect(v.sent).toBe(2);
    v.close();
  });

  it('streams only the cameras it was opened for and nothing after close', () => {
    const sock = new FakeSocket();
    const v = new CameraViewer('r1', sock, new Map([['wrist', 30]]), 1 << 20);
    v.offer(img('scene', 0));
    expect(sock.sent).toHaveLength(0);
    v.close();
    v.offer(img('wrist', 1));
    expect(sock.sent).toHaveLength(0);
  });
});
