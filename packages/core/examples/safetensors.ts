import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, readSafetensors, toFloat32, writeSafetensors } from '@cdm/core';

/** Saves a conv layer in PyTorch's layout (what safetensors files from PyTorch hold) and loads it back. */
export async function main() {
  const rng = createRng(3);
  const kernel = tf.tensor4d(rng.normalArray(3 * 3 * 4 * 8), [3, 3, 4, 8]); // tfjs conv2d: [h, w, in, out]
  const torchKernel = tf.transpose(kernel, [3, 2, 0, 1]); // PyTorch Conv2d: [out, in, h, w]
  const bytes = writeSafetensors(
    {
      'conv.weight': { shape: torchKernel.shape, data: (await torchKernel.data()) as Float32Array },
      'conv.bias': { shape: [8], data: rng.normalArray(8), dtype: 'F16' }, // half the bytes, rounded
      step: { shape: [], data: BigInt64Array.of(1000n) },
    },
    { format: 'pt' },
  );

  const file = readSafetensors(bytes);
  const weight = file.tensors.get('conv.weight')!;
  const loaded = tf.tidy(() => tf.transpose(tf.tensor(toFloat32(weight), [...weight.shape]), [2, 3, 1, 0]));
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(loaded, kernel))));
  const result = {
    bytes: bytes.byteLength,
    names: [...file.tensors.keys()],
    metadata: file.metadata,
    maxDifference: (await difference.data())[0]!,
  };
  console.log(`${result.bytes} bytes: ${result.names.join(', ')}; max |loaded − saved| = ${result.maxDifference}`);
  tf.dispose([kernel, torchKernel, loaded, difference]);
  return result;
}
