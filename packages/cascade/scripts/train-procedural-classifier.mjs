// Trains the classifier that ships in assets/procedural-classifier/: a small convnet on the
// procedural dataset at 32×32, used by @cdm/cascade/eval as the offline feature extractor for
// FID, Inception Score, precision/recall and CAS. Runs on tfjs-wasm (one thread) in minutes.
//
//   npm run build                                   # the script imports the built packages
//   node packages/cascade/scripts/train-procedural-classifier.mjs [--train 24000] [--train16 8000]
//        [--epochs 8] [--test 2000] [--out packages/cascade/assets/procedural-classifier]
//
// Training data: examples 0…train−1 of the procedural world 0 at 32×32, plus the next train16
// examples rendered at 16×16 and upsampled to 32×32 exactly as the extractor upsamples a 16×16
// stage's output (bilinear resizeImages), so the classifier also knows blurry upsampled images.
// Held-out test data: examples of
// another world (worldSeed 7919) that training never sees, rendered at 32×32 and at 16×16 (the
// latter resized to 32×32 by the extractor, as for the demo's 16×16 base stage).
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRegistry, resizeImages, selectBackend } from '@cdm/core';
import { proceduralDataset } from '@cdm/cascade';
import { createSmallConvnet, renderProceduralExamples, saveSmallConvnet, smallConvnetExtractor, trainSmallConvnet } from '@cdm/cascade/eval';
import { fsStorage, registerNodeBackends } from '@cdm/backend-node';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '24000' },
    train16: { type: 'string', default: '8000' },
    test: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '8' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.002' },
    out: { type: 'string', default: fileURLToPath(new URL('../assets/procedural-classifier', import.meta.url)) },
  },
});
const TRAIN_WORLD = 0;
const TEST_WORLD = 7919;
const NAME = 'procedural-classifier-v1';
const CONFIG = { imageSize: 32, channels: [16, 32, 64, 128], hidden: 128, numClasses: 10, seed: 1 };

await selectBackend('wasm', registerNodeBackends(createRegistry({ kind: 'backend' })));
const started = performance.now();
const seconds = () => (performance.now() - started) / 1000;
const trainCount = Number(values.train);
const train16Count = Number(values.train16);
const testCount = Number(values.test);

const world = (worldSeed, resolution) => proceduralDataset({ resolution, worldSeed, size: Math.max(trainCount + train16Count, testCount) });
console.log(`rendering ${trainCount} + ${train16Count} (16×16) training examples (world ${TRAIN_WORLD}) and ${testCount} held-out ones (world ${TEST_WORLD})`);
const train32 = renderProceduralExamples(world(TRAIN_WORLD, 32), trainCount);
const train16 = renderProceduralExamples(world(TRAIN_WORLD, 16), train16Count, { start: trainCount });
const upsampled = new Float32Array(train16Count * 32 * 32 * 3);
for (let i = 0; i < train16Count; i += 500) {
  const n = Math.min(500, train16Count - i);
  const x = tf.tensor4d(train16.images.subarray(i * 768, (i + n) * 768), [n, 16, 16, 3]);
  const y = resizeImages(x, 32, 32, 'bilinear');
  upsampled.set(await y.data(), i * 3072);
  tf.dispose([x, y]);
}
const images = new Float32Array(train32.images.length + upsampled.length);
images.set(train32.images);
images.set(upsampled, train32.images.length);
const train = { images, labels: Int32Array.from([...train32.labels, ...train16.labels]), count: trainCount + train16Count };
const test32 = renderProceduralExamples(world(TEST_WORLD, 32), testCount);
const test16 = renderProceduralExamples(world(TEST_WORLD, 16), testCount);
const renderSeconds = seconds();
console.log(`rendered in ${renderSeconds.toFixed(1)} s`);

const net = createSmallConvnet(CONFIG);
console.log(`training ${net.parameterCount} parameters for ${values.epochs} epochs on ${tf.getBackend()}`);
let lastPrint = 0;
const result = await trainSmallConvnet({
  net,
  data: train,
  epochs: Number(values.epochs),
  batchSize: Number(values.batch),
  lr: Number(values.lr),
  seed: 1,
  onProgress: (p) => {
    if (p.step - lastPrint >= 50 || p.step === p.totalSteps) {
      lastPrint = p.step;
      console.log(JSON.stringify({ ...p, seconds: Math.round(seconds()) }));
    }
  },
});
const trainSeconds = seconds() - renderSeconds;

/** Top-1 accuracy of the extractor's logits on labelled images. */
async function accuracy(extractor, data, resolution) {
  let correct = 0;
  const pixels = resolution * resolution * 3;
  for (let i = 0; i < data.count; i += 100) {
    const n = Math.min(100, data.count - i);
    const x = tf.tensor4d(data.images.subarray(i * pixels, (i + n) * pixels), [n, resolution, resolution, 3]);
    const { logits } = await extractor.extract(x);
    x.dispose();
    for (let k = 0; k < n; k++) {
      const row = logits.subarray(k * 10, (k + 1) * 10);
      if (row.indexOf(Math.max(...row)) === data.labels[i + k]) correct++;
    }
  }
  return correct / data.count;
}
const file = { format: 'cdm-small-convnet', version: 1, name: NAME };
const extractor = smallConvnetExtractor(net, file);
const heldOut32 = await accuracy(extractor, test32, 32);
const heldOut16 = await accuracy(extractor, test16, 16);
const training = {
  dataset: 'procedural',
  resolution: 32,
  trainWorldSeed: TRAIN_WORLD,
  trainExamples: trainCount,
  trainExamples16Upsampled: train16Count,
  epochs: Number(values.epochs),
  batchSize: Number(values.batch),
  lr: Number(values.lr),
  updates: result.steps,
  finalEpochTrainAccuracy: result.epochAccuracies.at(-1),
  heldOut: { worldSeed: TEST_WORLD, examples: testCount, accuracy32: heldOut32, accuracy16Resized: heldOut16 },
  backend: tf.getBackend(),
  trainSeconds: Math.round(trainSeconds),
};
await saveSmallConvnet(fsStorage('/'), values.out, net, { name: NAME, classNames: world(0, 32).classNames, training });
console.log(JSON.stringify(training, null, 2));
console.log(`wrote ${values.out}`);
net.dispose();
