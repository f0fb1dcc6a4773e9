import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { memoryStorage, readSafetensors } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSmallConvnet } from './small-convnet';
import { loadSmallConvnet, saveSmallConvnet } from './small-convnet-checkpoint';
import { smallConvnetExtractor } from './procedural-classifier-extractor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = { imageSize: 8, channels: [4, 6], hidden: 5, numClasses: 3, seed: 2 };

describe('createSmallConvnet', () => {
  it('computes conv → ReLU → stride-2 conv → ReLU → mean → dense → ReLU → dense, as written out by hand', () => {
    const net = createSmallConvnet(config);
    const x = tf.randomUniform([2, 8, 8, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const { features, logits } = net.forward(x);
    const p = (name: string) => net.parameters().get(name)!;
    const [f, l] = tf.tidy(() => {
      const h1 = tf.relu(tf.add(tf.conv2d(x, p('convs.0.weight') as tf.Tensor4D, 1, 'same'), p('convs.0.bias')));
      const h2 = tf.relu(tf.add(tf.conv2d(h1 as tf.Tensor4D, p('convs.1.weight') as tf.Tensor4D, 2, 'same'), p('convs.1.bias')));
      const hidden = tf.relu(tf.add(tf.matMul(tf.mean(h2, [1, 2]) as tf.Tensor2D, p('hidden.weight') as tf.Tensor2D), p('hidden.bias')));
      return [hidden, tf.add(tf.matMul(hidden as tf.Tensor2D, p('out.weight') as tf.Tensor2D), p('out.bias'))];
    });
    expect(features.shape).toEqual([2, 5]);
    expect(logits.shape).toEqual([2, 3]);
    expect(Array.from(features.dataSync())).toEqual(Array.from(f!.dataSync()));
    expect(Array.from(logits.dataSync())).toEqual(Array.from(l!.dataSync()));
    expect(net.parameterCount).toBe(3 * 3 * 3 * 4 + 4 + 3 * 3 * 4 * 6 + 6 + 6 * 5 + 5 + 5 * 3 + 3);
    tf.dispose([x, features, logits, f!, l!]);
    net.dispose();
  });

  it('is seeded: the same seed gives the same weights, another seed others', () => {
    const a = createSmallConvnet(config);
    const b = createSmallConvnet(config);
    const c = createSmallConvnet({ ...config, seed: 3 });
    const w = (n: typeof a) => Array.from(n.parameters().get('convs.1.weight')!.dataSync());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    [a, b, c].forEach((n) => n.dispose());
  });

  it('names bad configs', () => {
    expect(() => createSmallConvnet({ ...config, imageSize: 6, channels: [4, 4, 4] })).toThrow('Invalid imageSize: expected a multiple of 2^2 (one halving per convolution after the first), got 6');
    expect(() => createSmallConvnet({ ...config, numClasses: 1 })).toThrow('Invalid numClasses: expected an integer ≥ 2, got 1');
  });
});

describe('saveSmallConvnet / loadSmallConvnet', () => {
  it('round-trips through PyTorch-layout safetensors and gives the same outputs', async () => {
    const storage = memoryStorage();
    const net = createSmallConvnet(config);
    await saveSmallConvnet(storage, 'c', net, { name: 'tiny-v1', classNames: ['a', 'b', 'c'], training: { steps: 0 } });
    const file = readSafetensors(await storage.read('c/model.safetensors'));
    expect(file.tensors.get('convs.0.weight')!.shape).toEqual([4, 3, 3, 3]); // OIHW
    expect(file.tensors.get('hidden.weight')!.shape).toEqual([5, 6]); // [out, in]
    // PyTorch's weight[o, i, y, x] is tfjs' kernel[y, x, i, o].
    const kernel = net.parameters().get('convs.0.weight')!.arraySync() as number[][][][];
    expect((file.tensors.get('convs.0.weight')!.data as Float32Array)[((3 * 3 + 2) * 3 + 1) * 3 + 0]).toBe(kernel[1]![0]![2]![3]);

    const { net: loaded, file: config2 } = await loadSmallConvnet(storage, 'c');
    expect(config2).toMatchObject({ format: 'cdm-small-convnet', version: 1, name: 'tiny-v1', classNames: ['a', 'b', 'c'], imageSize: 8 });
    const x = tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const a = net.forward(x);
    const b = loaded.forward(x);
    expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
    tf.dispose([x, a.features, a.logits, b.features, b.logits]);
    net.dispose();
    loaded.dispose();
  });

  it('lists every tensor that does not fit', async () => {
    const storage = memoryStorage();
    const net = createSmallConvnet(config);
    await saveSmallConvnet(storage, 'c', net, { name: 'tiny-v1' });
    const json = JSON.parse(new TextDecoder().decode(await storage.read('c/config.json')));
    await storage.write('c/config.json', new TextEncoder().encode(JSON.stringify({ ...json, hidden: 7 })));
    await expect(loadSmallConvnet(storage, 'c')).rejects.toThrow(/c\/model\.safetensors does not match the network's parameters \(3 problems\):\n {2}hidden\.weight: shape \[5, 6\], expected \[7, 6\]/);
    net.dispose();
  });
});

describe('smallConvnetExtractor', () => {
  it('returns features and logits, and resizes other sizes bilinearly first', async () => {
    const net = createSmallConvnet(config);
    const extractor = smallConvnetExtractor(net, { format: 'cdm-small-convnet', version: 1, name: 'tiny-v1', ...config });
    expect([extractor.name, extractor.featureDim, extractor.numClasses]).toEqual(['tiny-v1', 5, 3]);
    const before = tf.memory().numTensors;
    const small = tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const out = await extractor.extract(small);
    const resized = tf.image.resizeBilinear(small, [8, 8], false, true); // half-pixel centres, as resizeImages
    const direct = net.forward(resized as tf.Tensor4D);
    expect(out.features).toHaveLength(10);
    const expected = direct.logits.dataSync();
    out.logits!.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    tf.dispose([small, resized, direct.features, direct.logits]);
    expect(tf.memory().numTensors).toBe(before);
    extractor.dispose();
  });
});
