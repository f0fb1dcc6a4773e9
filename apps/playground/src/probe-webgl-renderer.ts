/** A renderer string that means WebGL draws on the CPU (ANGLE on SwiftShader, Mesa's llvmpipe, Windows' basic renderer). */
export const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software|basic render/i;

interface RendererContext {
  readonly RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: string): unknown;
}

/**
 * The WebGL renderer's name ("ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))"), read from a
 * 1×1 OffscreenCanvas (page or worker); undefined where WebGL or OffscreenCanvas is missing or the
 * browser withholds the name. The context is released right away.
 */
export function webglRenderer(scope: { OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: string): unknown } } = globalThis): string | undefined {
  if (typeof scope.OffscreenCanvas !== 'function') return undefined;
  try {
    const canvas = new scope.OffscreenCanvas(1, 1);
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as RendererContext | null;
    if (gl === null) return undefined;
    const debug = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
    const name = gl.getParameter(debug?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER);
    (gl.getExtension('WEBGL_lose_context') as { loseContext(): void } | null)?.loseContext();
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}
