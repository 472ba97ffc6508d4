import * as THREE from 'three';
import { textSprite } from './text-sprite.ts';

/** The robot base frame's axes as the console colours them everywhere: X red, Y green, Z blue. */
export const AXIS_COLORS = ['#ff5252', '#4cd964', '#4d8dff'] as const;

function label(text: string, color: string): THREE.Sprite {
  const sprite = textSprite(text, { width: 128, height: 48, color, fontPx: 30, backgroundAlpha: 0.75, textY: 25 });
  sprite.scale.set(0.08, 0.03, 1);
  sprite.renderOrder = 20;
  return sprite;
}

/**
 * Labels at the tips of the EE handles, in the robot's base frame: which keys move along each
 * axis (W/S x, A/D y, R/F z), coloured like the axis. A child of the handle, so it moves with it.
 */
export function axisKeyLabels(reach = 0.16): THREE.Group {
  const g = new THREE.Group();
  g.name = 'axis-key-labels';
  const texts = ['X  W/S', 'Y  A/D', 'Z  R/F'];
  for (let i = 0; i < 3; i++) {
    const s = label(texts[i], AXIS_COLORS[i]);
    s.position.setComponent(i, reach);
    s.name = `label-${'xyz'[i]}`;
    g.add(s);
  }
  return g;
}
