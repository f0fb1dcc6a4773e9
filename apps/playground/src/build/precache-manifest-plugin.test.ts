import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { precacheList } from './precache-manifest-plugin';

describe('precacheList', () => {
  let dir: string | undefined;
  afterEach(() => dir !== undefined && rmSync(dir, { recursive: true, force: true }));

  it('lists every built file but model files, the service worker and the list itself', () => {
    dir = mkdtempSync(join(tmpdir(), 'cdm-precache-'));
    for (const path of ['index.html', 'sw.js', 'precache.json', 'assets/index-abc.js', 'assets/tfjs-backend-wasm-simd-x.wasm', 'assets/webgl-1.js', 'demo/cascade.json', 'demo/stages/base/config.json', 'demo/stages/base/weights.safetensors']) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), '');
    }
    expect(precacheList(dir)).toEqual(['assets/index-abc.js', 'assets/tfjs-backend-wasm-simd-x.wasm', 'assets/webgl-1.js', 'index.html']);
  });
});
