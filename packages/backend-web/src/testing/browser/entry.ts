/**
 * Test-only: the page script of the real-browser test (src/browser.test.ts). Bundled with 'vitest'
 * aliased to ./vitest-shim, it runs @cdm/core's backend conformance suite on webgpu and webgl,
 * plus checks of fetchStorage on the real Cache API and of canvasCodec, and leaves the results in
 * `window.cdmResults`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, selectBackend } from '@cdm/core';
import { describeBackendConformance } from '@cdm/core/testing';
import { webgpuAdapterInfo } from '../../backends/probe-webgpu';
import { registerWebBackends } from '../../backends/register-web-backends';
import { webglBackend } from '../../backends/webgl-backend';
import { webgpuBackend } from '../../backends/webgpu-backend';
import { canvasCodec } from '../../image/canvas-codec';
import { fetchStorage } from '../../storage/fetch-storage';
import { describe, expect, it, runCollected, settled, type ShimResult } from './vitest-shim';

declare global {
  interface Window {
    cdmResults?: { results: ShimResult[]; adapter: string } | { error: string };
  }
}

async function main(): Promise<void> {
  describe('in the page', () => {
    it("selectBackend('auto') picks webgpu", async () => {
      const { backend, tried } = await selectBackend('auto', registerWebBackends(createBackendRegistry()));
      expect(backend.name).toBe('webgpu');
      expect(tried).toEqual([]);
      expect(tf.getBackend()).toBe('webgpu');
    });

    it('fetchStorage: a second read comes from the Cache API, not the server', async () => {
      await caches.delete('cdm-test');
      const storage = fetchStorage('/files/', { cache: 'cdm-test' });
      const count = async () => Number(await (await fetch('/count', { cache: 'no-store' })).text());
      const before = await count();
      const events: number[] = [];
      const first = await storage.read('data.bin', { onProgress: (loaded) => events.push(loaded) });
      const second = await storage.read('data.bin');
      expect(await count(), 'requests for data.bin').toBe(before + 1);
      expect(first.length).toBe(100_000);
      expect(Array.from(second.subarray(0, 5))).toEqual(Array.from(first.subarray(0, 5)));
      expect(events.at(-1)).toBe(100_000);
      expect(await storage.exists('data.bin')).toBe(true);
      expect(await storage.exists('missing.bin')).toBe(false);
    });

    it('canvasCodec: PNG encode → decode returns the pixels (RGB and RGBA)', async () => {
      const codec = canvasCodec();
      const rgb = { width: 3, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 18 }, (_, i) => i * 13) };
      const png = await codec.encodePng(rgb);
      expect(Array.from(png.subarray(1, 4)), 'PNG signature').toEqual([80, 78, 71]);
      const back = await codec.decode(png);
      expect([back.width, back.height, back.channels]).toEqual([3, 2, 3]);
      expect(Array.from(back.data)).toEqual(Array.from(rgb.data));
      const rgba = { width: 2, height: 1, channels: 4 as const, data: Uint8Array.of(255, 0, 0, 255, 0, 0, 255, 255) };
      const opaque = await codec.decode(await codec.encodePng(rgba));
      expect(Array.from(opaque.data)).toEqual([255, 0, 0, 0, 0, 255]);
    });
  });
  await settled();
  describeBackendConformance(webgpuBackend());
  await settled();
  describeBackendConformance(webglBackend());
  await settled();
  const info = await webgpuAdapterInfo();
  const results = await runCollected();
  window.cdmResults = { results, adapter: info === undefined ? 'none' : [info.vendor, info.architecture, info.device, info.description].filter((part) => part !== '').join(' ') };
}

main().catch((error: unknown) => {
  window.cdmResults = { error: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) };
});
