import * as THREE from 'three';
import { SEGMENT_COLORS, stepKinds, type Segment } from '../replay/segments.ts';

/** RGB per point (flat, 0..1): each point takes the colour of who was in control at its step. */
export function controlPathColors(segments: readonly Segment[], n: number): Float32Array {
  const out = new Float32Array(3 * n);
  const c = new THREE.Color();
  stepKinds(segments, n).forEach((k, i) => {
    c.set(SEGMENT_COLORS[k]);
    out.set([c.r, c.g, c.b], 3 * i);
  });
  return out;
}

/**
 * The recorded EE path as a line coloured by control segment (policy, operator, ...), in the
 * robot's base frame.
 */
export class ControlPath {
  readonly line = new THREE.Line(new THREE.BufferGeometry(), new THREE.LineBasicMaterial({ vertexColors: true }));

  constructor() {
    this.line.name = 'ee-path';
  }

  /** Sets the points (one per step) and their segments. */
  set(points: readonly ArrayLike<number>[], segments: readonly Segment[]): void {
    const pos = new Float32Array(3 * points.length);
    points.forEach((p, i) => pos.set([p[0], p[1], p[2]], 3 * i));
    const g = this.line.geometry;
    g.setAttribute('position', new THREE.BufferAttribute(pos, 3));
    g.setAttribute('color', new THREE.BufferAttribute(controlPathColors(segments, points.length), 3));
    g.computeBoundingSphere();
  }

  dispose(): void {
    this.line.removeFromParent();
    this.line.geometry.dispose();
    (this.line.material as THREE.Material).dispose();
  }
}
