import * as THREE from 'three';

/** How a text sprite is drawn: canvas size in pixels, text colour and size, background alpha. */
export interface TextSpriteStyle {
  width: number;
  height: number;
  color: string;
  fontPx: number;
  backgroundAlpha: number;
  /** the text's baseline-middle in canvas pixels (fonts sit a little low in a box) */
  textY: number;
}

/** A text label as a sprite drawn over everything (no depth test): axis keys, robot names. */
export function textSprite(text: string, style: TextSpriteStyle): THREE.Sprite {
  const c = document.createElement('canvas');
  c.width = style.width;
  c.height = style.height;
  const g = c.getContext('2d');
  if (g) {
    g.fillStyle = `rgba(12,14,18,${style.backgroundAlpha})`;
    g.fillRect(0, 0, style.width, style.height);
    g.fillStyle = style.color;
    g.font = `bold ${style.fontPx}px sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(text, style.width / 2, style.textY);
  }
  return new THREE.Sprite(new THREE.SpriteMaterial({ map: new THREE.CanvasTexture(c), depthTest: false, transparent: true }));
}
