import * as THREE from 'three';
import type { ModelDescription } from '../../protocol/model-description.ts';
import { flattenModel } from './model-geoms.ts';
import { RobotModel } from './robot-model.ts';

/**
 * A translucent copy of the arm shown while the operator drags the timeline: where a rewind to
 * the step under the cursor would put it. Geom models only (URDF arms get none).
 */
export class RewindGhost {
  readonly model: RobotModel | null;
  readonly #material = new THREE.MeshBasicMaterial({ color: 0x7fd4ff, transparent: true, opacity: 0.35, depthWrite: false });

  constructor(parent: THREE.Object3D, desc: ModelDescription | null) {
    this.model = desc && desc.format !== 'urdf' ? new RobotModel(flattenModel(desc), { floor: false, material: this.#material }) : null;
    if (!this.model) return;
    this.model.root.name = 'rewind-ghost';
    this.model.root.visible = false;
    this.model.root.renderOrder = 1;
    parent.add(this.model.root);
  }

  get visible(): boolean {
    return this.model?.root.visible ?? false;
  }

  /**
   * Shows the ghost at these body poses ([x y z qw qx qy qz] per body), or hides it (null). Bodies
   * that stand where they stand now (table, base) are left out: only what the rewind moves shows.
   */
  show(poses: ArrayLike<number> | null, live: ArrayLike<number> | null = null): void {
    if (!this.model) return;
    if (poses) {
      this.model.applyBodyPoses(poses);
      this.model.bodies.forEach((b, i) => (b.visible = !live || !samePose(poses, live, i)));
    }
    this.model.root.visible = poses !== null;
  }

  dispose(): void {
    this.model?.root.removeFromParent();
    this.#material.dispose();
  }
}

/** Body i within 1 mm and about 0.1 degree in both pose arrays. */
function samePose(a: ArrayLike<number>, b: ArrayLike<number>, i: number): boolean {
  const o = 7 * i;
  if (b.length < o + 7) return false;
  const d = Math.hypot(a[o] - b[o], a[o + 1] - b[o + 1], a[o + 2] - b[o + 2]);
  const dot = Math.abs(a[o + 3] * b[o + 3] + a[o + 4] * b[o + 4] + a[o + 5] * b[o + 5] + a[o + 6] * b[o + 6]);
  return d < 1e-3 && dot > 1 - 1e-6;
}
