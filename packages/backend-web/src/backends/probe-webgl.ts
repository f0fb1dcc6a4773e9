/** A canvas as far as probing for WebGL goes (OffscreenCanvas or HTMLCanvasElement). */
interface CanvasLike {
  getContext(kind: 'webgl2' | 'webgl'): WebGlContextLike | null;
}

interface WebGlContextLike {
  getExtension(name: 'WEBGL_lose_context'): { loseContext(): void } | null;
}

/** Where to get a canvas from: `globalThis` in a page or a worker. */
export interface WebGlScope {
  readonly OffscreenCanvas?: new (width: number, height: number) => CanvasLike;
  readonly document?: { createElement(tag: 'canvas'): CanvasLike };
}

export type WebGlProbe = { readonly supported: true; readonly version: 1 | 2 } | { readonly supported: false; readonly reason: string };

export const NO_CANVAS = 'no canvas to draw on: neither OffscreenCanvas nor document exists here (WebGL needs a browser page or worker)';

/**
 * Probes WebGL for real: creates a 1×1 canvas (OffscreenCanvas where it exists, which also works in
 * workers) and asks for a WebGL2 context, then WebGL1; the context is released right away.
 */
export function probeWebGl(scope: WebGlScope = globalThis as WebGlScope): WebGlProbe {
  let canvas: CanvasLike;
  try {
    if (typeof scope.OffscreenCanvas === 'function') canvas = new scope.OffscreenCanvas(1, 1);
    else if (scope.document !== undefined && typeof scope.document.createElement === 'function') canvas = scope.document.createElement('canvas');
    else return { supported: false, reason: NO_CANVAS };
  } catch (error) {
    return { supported: false, reason: `cannot create a canvas: ${error instanceof Error ? error.message : String(error)}` };
  }
  for (const [kind, version] of [['webgl2', 2], ['webgl', 1]] as const) {
    let context: WebGlContextLike | null = null;
    try {
      context = canvas.getContext(kind);
    } catch {
      /* some browsers throw instead of returning null */
    }
    if (context !== null) {
      context.getExtension('WEBGL_lose_context')?.loseContext();
      return { supported: true, version };
    }
  }
  return { supported: false, reason: 'WebGL is unavailable: the canvas gave neither a webgl2 nor a webgl context (disabled, blocklisted GPU, or no GPU process)' };
}
