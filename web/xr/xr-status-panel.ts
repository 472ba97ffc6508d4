import * as THREE from 'three';

/**
 * A wrist-worn text panel for VR (mode, lease, rates): a canvas texture on a small plane above the
 * left controller, tilted toward the eyes. Head-locked it covered the arm.
 */
export class XrStatusPanel {
  readonly mesh: THREE.Mesh;
  readonly #canvas = document.createElement('canvas');
  readonly #texture: THREE.CanvasTexture;
  #last = '';

  constructor() {
    this.#canvas.width = 512;
    this.#canvas.height = 192;
    this.#texture = new THREE.CanvasTexture(this.#canvas);
    this.mesh = new THREE.Mesh(
      new THREE.PlaneGeometry(0.16, 0.06),
      new THREE.MeshBasicMaterial({ map: this.#texture, transparent: true, depthTest: false }),
    );
    this.mesh.renderOrder = 10;
    // grip space: +y up the back of the hand, -z forward; sit just above the wrist, face up and back
    this.mesh.position.set(0, 0.05, 0.06);
    this.mesh.rotation.x = -1.0;
    this.mesh.name = 'xr-status-panel';
  }

  /** Redraws when the lines changed; `alert` paints the background red (e-stop). */
  set(lines: string[], color: string): void {
    const key = lines.join('\n') + color;
    if (key === this.#last) return;
    this.#last = key;
    const g = this.#canvas.getContext('2d');
    if (!g) return;
    g.fillStyle = 'rgba(16,18,22,0.85)';
    g.fillRect(0, 0, 512, 192);
    g.fillStyle = color;
    g.fillRect(0, 0, 512, 56);
    g.fillStyle = '#fff';
    g.font = 'bold 40px sans-serif';
    g.fillText(lines[0] ?? '', 16, 42);
    g.font = '28px sans-serif';
    lines.slice(1, 5).forEach((l, i) => g.fillText(l, 16, 92 + 32 * i));
    this.#texture.needsUpdate = true;
  }
}
