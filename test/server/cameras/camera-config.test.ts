import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { decodeCompressedImage, formatOf } from '../../../server/cameras/compressed-image-decoder.ts';
import { resolveCameras } from '../../../server/cameras/camera-config.ts';

const ros = (cameras: unknown[]) => ({
  url: 'ws://robot:9090', jointNames: ['j1'], command: { interface: 'position_controller', topic: '/cmd' }, urdf: { param: 'robot_description' }, eeLink: 'tcp', cameras,
});
const config = (cameras: unknown[]) => ({ ...defaultConfig(), robots: [{ id: 'arm', kind: 'ros', ros: ros(cameras) }] });

describe('camera configuration', () => {
  it('fills in the rates', () => {
    expect(resolveCameras('arm', [{ name: 'wrist', topic: 'wrist/compressed' }])).toEqual([{ name: 'wrist', topic: '/wrist/compressed', maxRate: 15, recordRate: 10 }]);
    expect(validateConfig(config([{ name: 'wrist', topic: '/w', maxRate: 30, recordRate: 0 }])).robots[0].ros!.cameras).toHaveLength(1);
  });

  it('rejects a bad camera config with an error naming the robot, the camera and the problem', () => {
    expect(() => validateConfig(config([{ name: 'wrist', topic: '/a' }, { name: 'wrist', topic: '/b' }])))
      .toThrow("robot 'arm': ros.cameras[1] ('wrist'): camera name 'wrist' is already ros.cameras[0]; names must be unique");
    expect(() => validateConfig(config([{ name: 'wrist', topic: '/a' }, { name: 'scene', topic: 'a' }])))
      .toThrow("robot 'arm': ros.cameras[1] ('scene'): topic /a is already camera 'wrist'; give each topic one camera");
    expect(() => validateConfig(config([{ name: 'wrist cam', topic: '/a' }]))).toThrow(/\/robots\/0\/ros\/cameras\/0\/name: Expected string to match/);
    expect(() => validateConfig(config([{ name: 'wrist', topic: '/a', maxRate: 0 }]))).toThrow(/\/robots\/0\/ros\/cameras\/0\/maxRate/);
    expect(() => validateConfig(config([{ name: 'wrist', topic: '/a', fps: 30 }]))).toThrow(/\/robots\/0\/ros\/cameras\/0/);
  });
});

describe('decodeCompressedImage', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1]);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]);
  it('reads rosbridge JSON (base64 data, ROS 1 and ROS 2 stamps)', () => {
    expect(decodeCompressedImage({ header: { stamp: { secs: 3, nsecs: 5e8 }, frame_id: 'cam' }, format: 'rgb8; jpeg compressed bgr8', data: jpeg.toString('base64') }, 1024))
      .toEqual({ format: 'jpeg', stamp: 3.5, frameId: 'cam', data: new Uint8Array(jpeg) });
    expect(decodeCompressedImage({ header: { stamp: { sec: 2, nanosec: 0 } }, format: 'png', data: [...png] }, 1024)).toMatchObject({ format: 'png', stamp: 2 });
    expect(formatOf('bgr8; png compressed ')).toBe('png');
  });
  it('refuses what is not a usable image, saying why', () => {
    expect(decodeCompressedImage({ format: 'png', data: jpeg.toString('base64') }, 1024)).toBe('format says png but the data is a jpeg file');
    expect(decodeCompressedImage({ format: 'jpeg', data: Buffer.from('hello').toString('base64') }, 1024)).toBe('data is neither a JPEG nor a PNG file (format "jpeg")');
    expect(decodeCompressedImage({ format: 'jpeg', data: '' }, 1024)).toBe('has no image data');
    expect(decodeCompressedImage({ format: 'jpeg', data: jpeg.toString('base64') }, 4)).toBe('holds 6 bytes, over the 4-byte limit of a camera frame');
    expect(decodeCompressedImage(null, 1024)).toBe('is not a sensor_msgs/CompressedImage object');
  });
});
