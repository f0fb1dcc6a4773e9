import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../native/native-addon';
import { compareWithCpu } from '../../testing/compare-backends';
import { wasmWithNativeKernels } from '../../testing/wasm-setup';
import { backpropFilterCase, describeCase } from '../wasm/conv-cases';
import { NATIVE_TOLERANCE, nativeConvCases } from './native-cases';

const native = loadNativeAddon();

describe.skipIf(!native.available)(`native Conv2DBackpropFilter on wasm matches tfjs-cpu${native.available ? '' : ` (skipped: native kernels ${native.reason})`}`, () => {
  for (const threads of [1, 2]) {
    describe(`${threads} thread${threads > 1 ? 's' : ''}`, () => {
      beforeAll(() => wasmWithNativeKernels(threads));
      for (const c of nativeConvCases) {
        it(describeCase(c), async () => {
          const { relativeError, shapes } = await compareWithCpu('wasm', 7, (rng) => backpropFilterCase(c, rng));
          expect(shapes[0]).toEqual([c.kernel, c.kernel, c.inChannels, c.outChannels]);
          expect(relativeError).toBeLessThan(NATIVE_TOLERANCE);
        });
      }
    });
  }

  it('leaves no tensor or heap bytes behind', async () => {
    await wasmWithNativeKernels(2);
    const x = tf.ones([2, 6, 6, 3]);
    const dy = tf.ones([2, 3, 3, 4]);
    const grad = () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] }) as tf.Tensor;
    grad().dispose(); // warm-up
    const before = tf.memory();
    grad().dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, dy]);
  });
});
