import URDFLoader from 'urdf-loader';
import type * as THREE from 'three';

/**
 * A ROS arm drawn from its URDF (urdf-loader); joints follow the state frame's joint positions.
 * Mesh files resolve through `packages` (package name -> URL the browser can fetch).
 */
export class UrdfRobot {
  readonly root: THREE.Object3D;
  readonly #robot: ReturnType<URDFLoader['parse']>;

  constructor(urdf: string, packages: Record<string, string> = {}) {
    const loader = new URDFLoader();
    loader.packages = packages;
    this.#robot = loader.parse(urdf);
    this.root = this.#robot;
  }

  /** URDF arms report joints, not body poses: nothing to do here. */
  applyBodyPoses(): void {}

  /** Sets the named joints; unknown names are ignored (the URDF may carry extra joints). */
  setJoints(names: readonly string[], q: ArrayLike<number>): void {
    for (let i = 0; i < names.length && i < q.length; i++) this.#robot.setJointValue(names[i], q[i]);
  }
}
