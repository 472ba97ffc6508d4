import * as THREE from 'three';

/** The robot base frame's axes as the console colours them everywhere: X red, Y green, Z blue. */
export const AXIS_COLORS = ['#ff5252', '#4cd964', '#4d8dff'] as const;

function label(text: string, color: string): THREE.Sprite {
  const c = document.createElement('canvas');
  c.width = 128;
  c.height = 48;
  const g = c.getContext('2d');
  if (g) {
    g.fillStyle = 'rgba(12,14,18,0.75)';
    g.fillRect(0, 0, 128, 48);
    g.fillStyle = color;
    g.font = 'bold 30px sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(text, 64, 25);
  }
  const sprite = new THREE.Sprite(new THREE.SpriteMaterial({ map: new THREE.CanvasTexture(c), depthTest: false, transparent: true }));
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
