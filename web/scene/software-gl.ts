let cached: boolean | null = null;

/**
 * True when WebGL runs on a software rasterizer (SwiftShader, llvmpipe): the console then skips
 * antialiasing and caps the pixel ratio, which costs more than it gives there.
 */
export function isSoftwareGl(): boolean {
  if (cached !== null) return cached;
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    const ext = gl?.getExtension('WEBGL_debug_renderer_info');
    const name = gl && ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : '';
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    cached = /swiftshader|llvmpipe|software/i.test(name);
  } catch {
    cached = false;
  }
  return cached;
}
