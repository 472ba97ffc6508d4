import * as THREE from 'three';

function gripperShape(color: number, opacity: number): THREE.Group {
  const mat = new THREE.MeshBasicMaterial({ color, transparent: true, opacity, depthWrite: false });
  const g = new THREE.Group();
  const palm = new THREE.Mesh(new THREE.BoxGeometry(0.02, 0.16, 0.02), mat);
  palm.position.z = -0.06;
  const left = new THREE.Mesh(new THREE.BoxGeometry(0.015, 0.015, 0.05), mat);
  left.position.set(0, 0.05, -0.03);
  const right = left.clone();
  right.position.y = -0.05;
  const tip = new THREE.Mesh(new THREE.SphereGeometry(0.012, 12, 8), mat);
  g.add(palm, left, right, tip);
  return g;
}

/**
 * The EE overlays of one robot in MuJoCo's frame: the ghost of the policy's proposed motion
 * (translucent gripper plus a line from the EE) and the operator's EE target.
 */
export class EeMarkers {
  readonly root = new THREE.Group();
  readonly ghost = gripperShape(0x4aa8ff, 0.35);
  readonly target = gripperShape(0xffa640, 0.8);
  readonly #line: THREE.Line;
  readonly #linePos: THREE.BufferAttribute;

  constructor() {
    const geo = new THREE.BufferGeometry();
    this.#linePos = new THREE.BufferAttribute(new Float32Array(6), 3);
    geo.setAttribute('position', this.#linePos);
    this.#line = new THREE.Line(geo, new THREE.LineBasicMaterial({ color: 0x4aa8ff, transparent: true, opacity: 0.7 }));
    this.#line.frustumCulled = false;
    this.ghost.visible = this.#line.visible = this.target.visible = false;
    this.ghost.name = 'ghost';
    this.target.name = 'ee-target';
    this.root.add(this.ghost, this.#line, this.target);
  }

  /** Shows the ghost at pose (w x y z quaternion) with a line from the EE; null hides it. */
  setGhost(ee: ArrayLike<number>, pose: { pos: ArrayLike<number>; quat: ArrayLike<number> } | null): void {
    this.ghost.visible = this.#line.visible = pose !== null;
    if (!pose) return;
    this.ghost.position.set(pose.pos[0], pose.pos[1], pose.pos[2]);
    this.ghost.quaternion.set(pose.quat[1], pose.quat[2], pose.quat[3], pose.quat[0]);
    const a = this.#linePos.array as Float32Array;
    a.set([ee[0], ee[1], ee[2], pose.pos[0], pose.pos[1], pose.pos[2]]);
    this.#linePos.needsUpdate = true;
  }

  /** Shows the operator's EE target; null hides it. */
  setTarget(pose: { pos: ArrayLike<number>; quat: ArrayLike<number> } | null): void {
    this.target.visible = pose !== null;
    if (!pose) return;
    this.target.position.set(pose.pos[0], pose.pos[1], pose.pos[2]);
    this.target.quaternion.set(pose.quat[1], pose.quat[2], pose.quat[3], pose.quat[0]);
  }
}
