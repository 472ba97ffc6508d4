import * as THREE from 'three';
import type { ConsoleScene } from './console-scene.ts';
import { textSprite } from './text-sprite.ts';

/** A name label floating above a robot's base (MuJoCo frame, z up), drawn over everything. */
export function robotLabel(text: string, height = 1.05): THREE.Sprite {
  const shown = text.length > 12 ? `${text.slice(0, 11)}…` : text;
  const sprite = textSprite(shown, { width: 256, height: 64, color: '#e8eef5', fontPx: 36, backgroundAlpha: 0.8, textY: 34 });
  sprite.scale.set(0.4, 0.1, 1);
  sprite.position.set(0, 0, height);
  sprite.renderOrder = 30;
  sprite.name = 'robot-label';
  return sprite;
}

/** The robot under a canvas point (client pixels), by the `robot:<id>` group its hit belongs to, or null. */
export function robotAt(scene: ConsoleScene, clientX: number, clientY: number): string | null {
  const rect = scene.renderer.domElement.getBoundingClientRect();
  const ndc = new THREE.Vector2(((clientX - rect.left) / rect.width) * 2 - 1, -((clientY - rect.top) / rect.height) * 2 + 1);
  const ray = new THREE.Raycaster();
  ray.setFromCamera(ndc, scene.camera);
  for (const hit of ray.intersectObjects([...scene.robots.values()].map((s) => s.base), true)) {
    for (let o: THREE.Object3D | null = hit.object; o; o = o.parent) if (o.name.startsWith('robot:')) return o.name.slice('robot:'.length);
  }
  return null;
}

/** Where a robot's label sits on the page (client pixels): for tests and keyboard focus. */
export function labelPoint(scene: ConsoleScene, id: string): { x: number; y: number } | null {
  const label = scene.robots.get(id)?.base.getObjectByName('robot-label');
  if (!label) return null;
  const p = label.getWorldPosition(new THREE.Vector3()).project(scene.camera);
  const rect = scene.renderer.domElement.getBoundingClientRect();
  return { x: rect.left + ((p.x + 1) / 2) * rect.width, y: rect.top + ((1 - p.y) / 2) * rect.height };
}

/**
 * Opens a robot on a click of its arm or label: a press and release within a few pixels (a drag
 * orbits the camera instead). Returns the undo.
 */
export function onRobotClick(scene: ConsoleScene, open: (id: string) => void): () => void {
  const el = scene.renderer.domElement;
  let down: { x: number; y: number } | null = null;
  const press = (e: PointerEvent) => (down = { x: e.clientX, y: e.clientY });
  const release = (e: PointerEvent) => {
    if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 5) return;
    down = null;
    const id = robotAt(scene, e.clientX, e.clientY);
    if (id) open(id);
  };
  el.addEventListener('pointerdown', press);
  el.addEventListener('pointerup', release);
  return () => {
    el.removeEventListener('pointerdown', press);
    el.removeEventListener('pointerup', release);
  };
}
