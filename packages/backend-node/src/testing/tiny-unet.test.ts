import * as tf from '@tensorflow/tfjs-core';
import { createRng, randomNormal } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../backends/cpu-backend';
import { wasmBackend } from '../backends/wasm-backend';
import { wasmHeapBytes } from '../memory/wasm-memory-guard';
import { tinyUNet } from './tiny-unet';

/** Gradients of the whole tiny U-Net on one backend, flattened per parameter. */
async function gradientsOn(init: () => Promise<void>, batch: number): Promise<Float32Array[]> {
  await init();
  const net = tinyUNet({ seed: 5 });
  const rng = createRng(9);
  const x = randomNormal<tf.Rank.R4>(rng, [batch, 8, 8, 3]);
  const target = randomNormal<tf.Rank.R4>(rng, [batch, 8, 8, 3]);
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 4), 'int32');
  const { grads } = tf.variableGrads(() => net.loss(x, labels, target), net.params);
  const values = await Promise.all(net.params.map((p) => grads[p.name]!.data() as Promise<Float32Array>));
  tf.dispose([x, target, labels, ...Object.values(grads)]);
  net.dispose();
  return values;
}

describe('a whole U-Net-shaped training step on wasm', () => {
  for (const batch of [1, 3]) {
    it(`has the gradients of tfjs-cpu for every parameter at batch ${batch} (tolerance 1e-4 of each parameter's largest)`, async () => {
      const cpu = await gradientsOn(() => cpuBackend().init(), batch);
      const wasm = await gradientsOn(() => wasmBackend().init(), batch);
      cpu.forEach((ref, p) => {
        const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const worst = ref.reduce((m, v, i) => Math.max(m, Math.abs(v - wasm[p]![i]!)), 0);
        expect(scale).toBeGreaterThan(0);
        expect(worst / scale, `parameter ${p}`).toBeLessThan(1e-4);
      });
    });
  }

  it('keeps tf.memory().numTensors, numBytes and the WASM heap constant over 200 Adam steps', async () => {
    await wasmBackend().init();
    const net = tinyUNet({ channels: 4, seed: 2 });
    const rng = createRng(1);
    const x = randomNormal<tf.Rank.R4>(rng, [2, 8, 8, 3]);
    const target = randomNormal<tf.Rank.R4>(rng, [2, 8, 8, 3]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const optimizer = tf.train.adam(1e-2);
    const step = () => tf.dispose(optimizer.minimize(() => net.loss(x, labels, target), true, net.params) ?? []);
    const losses: number[] = [];
    step(); // Adam creates its moment variables on the first step
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    let heap = 0;
    for (let i = 0; i < 200; i++) {
      step();
      if (i === 10) heap = wasmHeapBytes()!; // the heap grows to its working size during the first steps
      if (i % 50 === 0) {
        const loss = net.loss(x, labels, target);
        losses.push(loss.dataSync()[0]!);
        loss.dispose();
      }
      expect(tf.memory().numTensors).toBe(tensors);
    }
    expect(tf.memory().numBytes).toBe(bytes);
    expect(wasmHeapBytes()).toBe(heap);
    expect(losses[3]!).toBeLessThan(losses[0]!); // and it learns
    optimizer.dispose();
    tf.dispose([x, target, labels]);
    net.dispose();
  });
});
