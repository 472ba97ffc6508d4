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

  /** Shows the ghost at these body poses ([x y z qw qx qy qz] per body), or hides it (null). */
  show(poses: ArrayLike<number> | null): void {
    if (!this.model) return;
    if (poses) this.model.applyBodyPoses(poses);
    this.model.root.visible = poses !== null;
  }

  dispose(): void {
    this.model?.root.removeFromParent();
    this.#material.dispose();
  }
}
