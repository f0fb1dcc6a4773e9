// WebGPU through Dawn in Node: installDawnGpu() must run before tfjs-backend-webgpu is imported,
// which webgpuBackend().init() does lazily, so the static imports below are safe.
import * as tf from '@tensorflow/tfjs-core';
import { describeBackendConformance } from '@cdm/core/testing';
import { describe, expect, it } from 'vitest';
import { installDawnGpu } from '../testing/dawn';
import { webgpuAdapterInfo } from './probe-webgpu';
import { webgpuBackend } from './webgpu-backend';

const dawn = await installDawnGpu();

describe.skipIf(!dawn.ok)(dawn.ok ? `WebGPU through Dawn (${dawn.adapter})` : `WebGPU through Dawn — skipped: ${dawn.reason}`, () => {
  it('webgpuAdapterInfo() describes the adapter Dawn found', async () => {
    const info = await webgpuAdapterInfo();
    expect(info).toBeDefined();
    expect(`${info?.vendor} ${info?.architecture} — ${info?.description}`).toBe(dawn.ok ? dawn.adapter : '');
  });
});

describeBackendConformance(webgpuBackend());

describe.skipIf(!dawn.ok)(dawn.ok ? 'webgpu in Node' : 'webgpu in Node — skipped: no Dawn adapter', () => {
  it('computes on the GPU: a 64×64 matMul read asynchronously matches the float64 product', async () => {
    await webgpuBackend().init();
    expect(tf.getBackend()).toBe('webgpu');
    const n = 64;
    const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.7));
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])));
    const got = await product.data();
    product.dispose();
    let worst = 0;
    for (let i = 0; i < n; i += 1) {
      for (let j = 0; j < n; j += 1) {
        let sum = 0;
        for (let k = 0; k < n; k += 1) sum += (a[i * n + k] ?? 0) * (b[k * n + j] ?? 0);
        worst = Math.max(worst, Math.abs((got[i * n + j] ?? 0) - sum));
      }
    }
    expect(worst).toBeLessThan(1e-4 * n); // float32 accumulation over 64 terms of magnitude ≤ 1
  });
});
