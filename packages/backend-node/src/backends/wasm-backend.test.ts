import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nativeKernelThreads } from '../kernels/native/register-native-kernels';
import type * as NativeAddonModule from '../native/native-addon';
import { loadNativeAddon } from '../native/native-addon';
import { resolveNativeThreads } from '../native/native-threads';
import { wasmBackend } from './wasm-backend';

// Lets one test see the addon as not built, whatever this machine has.
const addonMissing = vi.hoisted(() => ({ on: false }));
vi.mock('../native/native-addon', async (importOriginal) => {
  const actual = await importOriginal<typeof NativeAddonModule>();
  return { ...actual, loadNativeAddon: () => (addonMissing.on ? { available: false, reason: 'not built (test)' } : actual.loadNativeAddon()) };
});

const native = loadNativeAddon();

/** A 3×3 convolution and its two gradients, on the current backend. */
async function convAndGrads(): Promise<Float32Array[]> {
  const x = tf.randomNormal([2, 9, 9, 5], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 5, 7], 0, 1, 'float32', 2) as tf.Tensor4D;
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))));
  const [dx, dw] = grads([x, w]);
  const y = tf.conv2d(x, w, 1, 'same');
  const out = await Promise.all([y, dx!, dw!].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, w, y, dx!, dw!]);
  return out;
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...Array.from(b, Math.abs));
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!))) / scale;
}

describe('wasmBackend() and the native kernels', () => {
  afterEach(() => {
    addonMissing.on = false;
  });

  it(`uses them on every core by default when built (${native.available ? 'built here' : `not built here: ${native.reason}`}), on nativeThreads when given, and not with native: false`, async () => {
    await wasmBackend().init();
    expect(nativeKernelThreads('wasm')).toBe(native.available ? resolveNativeThreads() : undefined);
    const withDefault = await convAndGrads();

    await wasmBackend({ nativeThreads: 1 }).init();
    expect(nativeKernelThreads('wasm')).toBe(native.available ? 1 : undefined);

    await wasmBackend({ native: false }).init();
    expect(nativeKernelThreads('wasm')).toBeUndefined();
    const wasmAlone = await convAndGrads();
    // Same maths either way: forward, ∂x and ∂w agree within 2e-5 of their largest value.
    for (let i = 0; i < 3; i++) expect(maxRelativeError(withDefault[i]!, wasmAlone[i]!)).toBeLessThan(2e-5);

    await wasmBackend().init(); // and back on
    expect(nativeKernelThreads('wasm')).toBe(native.available ? resolveNativeThreads() : undefined);
  });

  it('warns, and runs on WebAssembly, when native: true is asked for and they are not built; stays quiet by default', async () => {
    addonMissing.on = true;
    const warnings: string[] = [];
    await wasmBackend({ native: true, warn: (m) => warnings.push(m) }).init();
    expect(warnings).toEqual(['wasm: native kernels asked for but not used: not built (test)']);
    expect(nativeKernelThreads('wasm')).toBeUndefined();
    await wasmBackend({ warn: (m) => warnings.push(m) }).init();
    expect(warnings).toHaveLength(1);
    const y = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])));
    expect(Array.from(await y.data())).toEqual([3, 3, 3, 3]);
    y.dispose();
  });
});
