import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePoseStamped, decodeTfMessage, toBaseFrame } from '../../../../server/robots/ros/object-pose-decoder.ts';
import { resolveObjectSources } from '../../../../server/robots/ros/object-source-config.ts';
import { quatRotate } from '../../../../sim/quat.ts';

const [cube, tag] = resolveObjectSources('arm0', 'base', [
  { name: 'cube', type: 'pose', topic: '/cube_pose' },
  { name: 'target', type: 'tf', childFrame: 'tag_7', frame: 'cam', frameInBase: { xyz: [1, 2, 3], rpy: [0, 0, Math.PI / 2] } },
]);
const pose = (frame: unknown, p: unknown, q: unknown) => ({ header: { frame_id: frame }, pose: { position: p, orientation: q } });

describe('object pose decoding (PoseStamped, TFMessage)', () => {
  it('takes a PoseStamped in the configured frame, quaternion reordered to (w, x, y, z) and normalized', () => {
    expect(decodePoseStamped(cube, pose('base', { x: 0.5, y: 0, z: 0.1 }, { x: 0, y: 0, z: 0, w: 2 }))).toEqual({ pos: [0.5, 0, 0.1], quat: [1, 0, 0, 0] });
    // ROS 1 tf frames may carry a leading slash
    expect(decodePoseStamped(cube, pose('/base', { x: 0.5, y: 0, z: 0.1 }, { x: 0, y: 0, z: 0, w: 1 }))).toEqual({ pos: [0.5, 0, 0.1], quat: [1, 0, 0, 0] });
  });

  it.each([
    [pose('camera', { x: 0, y: 0, z: 0 }, { x: 0, y: 0, z: 0, w: 1 }), `rejected: frame_id "camera" is not 'base' (ros.objects 'cube'.frame)`],
    [pose('', { x: 0, y: 0, z: 0 }, { x: 0, y: 0, z: 0, w: 1 }), `rejected: frame_id "" is not 'base' (ros.objects 'cube'.frame)`],
    [pose('base', { x: 0, y: null, z: 0 }, { x: 0, y: 0, z: 0, w: 1 }), 'rejected: pose.position has a missing or non-finite x, y or z'],
    [pose('base', { x: 0, y: 0, z: 0 }, { x: 0, y: 0, z: 0, w: 0 }), 'rejected: pose.orientation is not a rotation (zero quaternion)'],
    [pose('base', { x: 0, y: 0, z: 0 }, { x: 0, y: 0, z: 0 }), 'rejected: pose.orientation has a missing or non-finite x, y, z or w'],
    [{ header: { frame_id: 'base' } }, 'rejected: PoseStamped without a pose'],
    ['nonsense', 'rejected: PoseStamped without a pose'],
  ])('rejects %j: %s', (msg, why) => {
    expect(decodePoseStamped(cube, msg)).toBe(why);
  });

  it('picks the object frames out of a TFMessage and ignores the rest of the tree', () => {
    const byChild = new Map([['tag_7', tag]]);
    const tf = (frame: string, child: string) => ({ header: { frame_id: frame }, child_frame_id: child, transform: { translation: { x: 1, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } } });
    const r = decodeTfMessage(byChild, { transforms: [tf('base', 'link3'), tf('cam', 'tag_7'), tf('base', 'tag_7')] });
    expect(r.poses).toHaveLength(1);
    // cam is 90 degrees about z at (1, 2, 3): its x axis is the base's y axis
    r.poses[0][1].pos.forEach((v, i) => expect(v).toBeCloseTo([1, 3, 3][i], 12));
    expect(r.rejected).toEqual([`child frame 'tag_7': frame_id "base" is not 'cam' (ros.objects 'target'.frame)`]);
    expect(decodeTfMessage(byChild, { nope: 1 }).rejected).toEqual(['TFMessage without a transforms array']);
  });

  it('property: a pose through the frame offset keeps distances and is a unit rotation', () => {
    const num = fc.double({ min: -2, max: 2, noNaN: true });
    const unit = fc.tuple(num, num, num, num).filter((q) => Math.hypot(...q) > 0.1).map((q) => q.map((c) => c / Math.hypot(...q)) as [number, number, number, number]);
    fc.assert(fc.property(fc.tuple(num, num, num), fc.tuple(num, num, num), unit, (a, b, q) => {
      const pa = toBaseFrame(tag, a, q);
      const pb = toBaseFrame(tag, b, q);
      expect(Math.hypot(pa.pos[0] - pb.pos[0], pa.pos[1] - pb.pos[1], pa.pos[2] - pb.pos[2])).toBeCloseTo(Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]), 9);
      expect(Math.hypot(...pa.quat)).toBeCloseTo(1, 9);
      // the offset applies as rotation then translation
      const r = quatRotate(tag.offset.quat, a, [0, 0, 0]);
      pa.pos.forEach((v, i) => expect(v).toBeCloseTo(r[i] + tag.offset.pos[i], 9));
    }));
  });
});
