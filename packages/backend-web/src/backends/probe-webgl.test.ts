import { describe, expect, it } from 'vitest';
import { NO_CANVAS, probeWebGl, type WebGlScope } from './probe-webgl';
import { webglBackend } from './webgl-backend';

/** A fake canvas class whose getContext answers from `contexts`; records what was asked and lost. */
function fakeScope(contexts: Partial<Record<'webgl2' | 'webgl', boolean>>, log: string[]): WebGlScope {
  const context = (kind: string) => ({ getExtension: () => ({ loseContext: () => void log.push(`lost ${kind}`) }) });
  class FakeCanvas {
    constructor(width: number, height: number) {
      log.push(`canvas ${width}x${height}`);
    }
    getContext(kind: 'webgl2' | 'webgl') {
      log.push(`getContext ${kind}`);
      return contexts[kind] === true ? context(kind) : null;
    }
  }
  return { OffscreenCanvas: FakeCanvas };
}

describe('probeWebGl', () => {
  it('prefers WebGL2 and releases the probe context', () => {
    const log: string[] = [];
    expect(probeWebGl(fakeScope({ webgl2: true, webgl: true }, log))).toEqual({ supported: true, version: 2 });
    expect(log).toEqual(['canvas 1x1', 'getContext webgl2', 'lost webgl2']);
  });

  it('falls back to WebGL1', () => {
    const log: string[] = [];
    expect(probeWebGl(fakeScope({ webgl: true }, log))).toEqual({ supported: true, version: 1 });
    expect(log).toEqual(['canvas 1x1', 'getContext webgl2', 'getContext webgl', 'lost webgl']);
  });

  it('says why not: no context, or no canvas at all', () => {
    expect(probeWebGl(fakeScope({}, []))).toEqual({
      supported: false,
      reason: 'WebGL is unavailable: the canvas gave neither a webgl2 nor a webgl context (disabled, blocklisted GPU, or no GPU process)',
    });
    expect(probeWebGl({})).toEqual({ supported: false, reason: NO_CANVAS });
  });

  it('uses document.createElement where there is no OffscreenCanvas', () => {
    const log: string[] = [];
    const { OffscreenCanvas: Canvas } = fakeScope({ webgl2: true }, log);
    const scope: WebGlScope = { document: { createElement: () => new Canvas!(300, 150) } };
    expect(probeWebGl(scope)).toEqual({ supported: true, version: 2 });
  });

  it('webglBackend() in Node (no canvas) is unsupported with that reason', async () => {
    expect(await webglBackend().isSupported()).toEqual({ supported: false, reason: NO_CANVAS });
  });
});
