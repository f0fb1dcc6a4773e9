import { createServer } from 'node:http';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, isCdmError, memoryStorage, resizeImages, type MemoryStorage } from '@cdm/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphModelExtractor } from './graph-model-extractor';
import { storageModelHandler } from './storage-model-handler';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A tfjs graph model written by hand in the format tensorflowjs_converter produces:
// input [-1, 6, 6, 3] → Conv2D 3×3 SAME (+ BiasAdd) → Relu → Mean over H, W ("pool", [n, 4]) → MatMul ("logits", [n, 5]).
const b64 = (s: string) => Buffer.from(s).toString('base64');
const dims = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });
const constant = (name: string, shape: number[], dtype = 'DT_FLOAT') => ({ name, op: 'Const', attr: { value: { tensor: { dtype, tensorShape: dims(shape) } }, dtype: { type: dtype } } });
const float = { T: { type: 'DT_FLOAT' } };

const rng = createRng(1);
const kernel = Float32Array.from({ length: 3 * 3 * 3 * 4 }, () => rng.normal() * 0.3);
const bias = Float32Array.from({ length: 4 }, () => rng.normal() * 0.1);
const dense = Float32Array.from({ length: 4 * 5 }, () => rng.normal());

const modelJson = {
  format: 'graph-model',
  generatedBy: '2.15.0',
  convertedBy: 'TensorFlow.js Converter v4.22.0',
  modelTopology: {
    node: [
      { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([-1, 6, 6, 3]) } } },
      constant('conv/kernel', [3, 3, 3, 4]),
      constant('conv/bias', [4]),
      constant('pool/axes', [2], 'DT_INT32'),
      constant('dense/kernel', [4, 5]),
      { name: 'conv/Conv2D', op: 'Conv2D', input: ['input', 'conv/kernel'], attr: { ...float, strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('SAME') }, data_format: { s: b64('NHWC') }, dilations: { list: { i: ['1', '1', '1', '1'] } } } },
      { name: 'conv/BiasAdd', op: 'BiasAdd', input: ['conv/Conv2D', 'conv/bias'], attr: { ...float, data_format: { s: b64('NHWC') } } },
      { name: 'conv/Relu', op: 'Relu', input: ['conv/BiasAdd'], attr: float },
      { name: 'pool', op: 'Mean', input: ['conv/Relu', 'pool/axes'], attr: { ...float, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
      { name: 'logits', op: 'MatMul', input: ['pool', 'dense/kernel'], attr: { ...float, transpose_a: { b: false }, transpose_b: { b: false } } },
    ],
    library: {},
    versions: { producer: 1286 },
  },
  weightsManifest: [
    {
      // Two shards split mid-tensor, as the converter splits at a byte size.
      paths: ['group1-shard1of2.bin', 'group1-shard2of2.bin'],
      weights: [
        { name: 'conv/kernel', shape: [3, 3, 3, 4], dtype: 'float32' },
        { name: 'conv/bias', shape: [4], dtype: 'float32' },
        { name: 'pool/axes', shape: [2], dtype: 'int32' },
        { name: 'dense/kernel', shape: [4, 5], dtype: 'float32' },
      ],
    },
  ],
};

function writeModel(dir: string): MemoryStorage {
  const weights = new Uint8Array([...new Uint8Array(kernel.buffer), ...new Uint8Array(bias.buffer), ...new Uint8Array(Int32Array.from([1, 2]).buffer), ...new Uint8Array(dense.buffer)]);
  return memoryStorage({
    [`${dir}/model.json`]: new TextEncoder().encode(JSON.stringify(modelJson)),
    [`${dir}/group1-shard1of2.bin`]: weights.slice(0, 152),
    [`${dir}/group1-shard2of2.bin`]: weights.slice(152),
  });
}

/** The same network in plain tfjs ops, on images already in the model's input range. */
function reference(x: tf.Tensor4D): { pool: Float32Array; logits: Float32Array } {
  return tf.tidy(() => {
    const conv = tf.relu(tf.add(tf.conv2d(x, tf.tensor4d(kernel, [3, 3, 3, 4]), 1, 'same'), tf.tensor1d(bias)));
    const pool = tf.mean(conv, [1, 2]) as tf.Tensor2D;
    return { pool: pool.dataSync() as Float32Array, logits: tf.matMul(pool, tf.tensor2d(dense, [4, 5])).dataSync() as Float32Array };
  });
}

const closeTo = (actual: Float32Array, expected: Float32Array) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-5));
};

describe('graphModelExtractor', () => {
  it('loads a graph model through a Storage and matches the same computation in tfjs (features and logits)', async () => {
    const storage = writeModel('models/tiny');
    const extractor = await graphModelExtractor({ model: { storage, path: 'models/tiny/model.json' }, featureNode: 'pool', logitsNode: 'logits', inputSize: 6 });
    expect([extractor.name, extractor.featureDim, extractor.numClasses]).toEqual(['graph-model:pool', 4, 5]);
    expect(extractor.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    const images = tf.randomUniform([3, 6, 6, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const out = await extractor.extract(images);
    expect(tf.memory().numTensors).toBe(before);
    const expected = reference(images);
    closeTo(out.features, expected.pool);
    closeTo(out.logits!, expected.logits);
    images.dispose();
    extractor.dispose();
  });

  it('resizes to inputSize and maps [−1, 1] to inputRange; a folder path finds model.json; an IOHandler works too', async () => {
    const storage = writeModel('m');
    const images = tf.randomUniform([2, 4, 4, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const prepared = tf.tidy(() => tf.div(tf.add(resizeImages(images, 6, 6, 'bilinear'), 1), 2)); // → [0, 1]
    const expected = reference(prepared as tf.Tensor4D);
    for (const model of [{ storage, path: 'm' }, storageModelHandler(storage, 'm/model.json')]) {
      const extractor = await graphModelExtractor({ model, featureNode: 'pool', inputSize: 6, inputRange: [0, 1], name: 'tiny' });
      expect([extractor.name, extractor.featureDim, extractor.numClasses]).toEqual(['tiny', 4, undefined]);
      const out = await extractor.extract(images);
      closeTo(out.features, expected.pool);
      expect(out.logits).toBeUndefined();
      extractor.dispose();
    }
    tf.dispose([images, prepared]);
  });

  it('defaults to the model output; names the candidates when a node does not exist; names a missing shard', async () => {
    const storage = writeModel('m');
    const byDefault = await graphModelExtractor({ model: { storage, path: 'm' }, inputSize: 6 });
    expect(byDefault.featureDim).toBe(5); // the graph's only output is "logits"
    byDefault.dispose();
    const error = await graphModelExtractor({ model: { storage, path: 'm' }, featureNode: 'pool3', inputSize: 6 }).catch((e: unknown) => e);
    expect(isCdmError(error, 'CDM_INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('Invalid featureNode: expected a node of the graph; pooling/dense candidates: conv/BiasAdd (BiasAdd), pool (Mean), logits (MatMul), got "pool3"');
    storage.delete('m/group1-shard2of2.bin');
    await expect(graphModelExtractor({ model: { storage, path: 'm' }, inputSize: 6 })).rejects.toThrow('No file at "m/group1-shard2of2.bin" in memory storage');
  });

  it('loads from an http:// URL (served on 127.0.0.1)', async () => {
    const storage = writeModel('srv');
    const server = createServer((request, response) => {
      storage.read(`srv${request.url}`).then(
        (bytes) => response.end(bytes),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const extractor = await graphModelExtractor({ model: `http://127.0.0.1:${port}/model.json`, featureNode: 'pool', inputSize: 6 });
      const images = tf.randomUniform([1, 6, 6, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
      closeTo((await extractor.extract(images)).features, reference(images).pool);
      images.dispose();
      extractor.dispose();
    } finally {
      server.close();
    }
  });

  it('runs graphs with dynamic ops through executeAsync (here a Where as the logits node)', async () => {
    const storage = writeModel('dyn');
    const json = JSON.parse(new TextDecoder().decode(await storage.read('dyn/model.json')));
    // positive = pool > 0 (Greater with a Const 0 that the weights manifest also holds); where = Where(positive): [k, 2] indices.
    json.modelTopology.node.push(
      constant('zero', []),
      { name: 'positive', op: 'Greater', input: ['pool', 'zero'], attr: float },
      { name: 'where', op: 'Where', input: ['positive'], attr: { T: { type: 'DT_BOOL' } } },
    );
    json.weightsManifest.push({ paths: ['zero.bin'], weights: [{ name: 'zero', shape: [], dtype: 'float32' }] });
    await storage.write('dyn/model.json', new TextEncoder().encode(JSON.stringify(json)));
    await storage.write('dyn/zero.bin', new Uint8Array(4));
    const images = tf.randomUniform([2, 6, 6, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
    const expected = reference(images);
    const positives = Array.from(expected.pool).filter((v) => v > 0).length; // ReLU means: > 0 unless a whole channel is dead
    const before = tf.memory().numTensors;
    const extractor = await graphModelExtractor({ model: { storage, path: 'dyn' }, featureNode: 'pool', logitsNode: 'where', inputSize: 6 });
    const out = await extractor.extract(images);
    closeTo(out.features, expected.pool);
    expect(out.logits).toHaveLength(positives * 2); // two coordinates per positive entry
    extractor.dispose();
    expect(tf.memory().numTensors).toBe(before); // the failed synchronous attempt leaves nothing behind
    images.dispose();
  });
});
