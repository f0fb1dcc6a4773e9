// A hand-over file of *real* low-resolution images for `cdm eval --handover`: N images of the
// Fashion-MNIST test split, area-downsampled 28×28 → 14×14 exactly as training makes a
// super-resolution stage's conditioning, with their true labels. They are the LAST N of the test
// split's seeded order (seed 0), while `cdm eval --dataset data/fashion-mnist/test --n N` compares
// with the FIRST N, so the two never share an image (N ≤ 5,000). A super-resolution stage evaluated
// from this file shows how well it does on the inputs it was trained for; next to the rows that
// start from the base's samples, the gap is the compounding that conditioning augmentation targets.
//
//   node docs/ablation/fashion/real-handover.mjs out.safetensors   (N=1000 by default)
import { writeFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { downsampleArea } from '@cdm/core';
import { openPreparedDataset } from '@cdm/cascade';
import { fsStorage, prepareImageFolder } from '@cdm/backend-node';
import { encodeHandover } from '@cdm/cli';

const N = Number(process.env.N ?? 1000);
const root = new URL('../../../data/fashion-mnist/test', import.meta.url).pathname;
const out = process.argv[2];
if (out === undefined) throw new Error('usage: node real-handover.mjs out.safetensors');
const [HIGH, LOW] = [28, 14];

await tf.setBackend('cpu');
const prepared = await prepareImageFolder({ root, resolution: HIGH, channels: 1 });
const dataset = await openPreparedDataset({ storage: fsStorage(prepared.path), path: '', randomFlip: false });
if (N > dataset.size / 2) throw new Error(`N = ${N} would overlap the reference images (at most ${dataset.size / 2})`);
const stream = dataset.batches({ batchSize: N, seed: 0, start: dataset.size - N })[Symbol.asyncIterator]();
const { value: batch } = await stream.next();
await stream.return?.();
const low = tf.tidy(() => downsampleArea(batch.images, LOW));
const handover = {
  count: N,
  labels: Int32Array.from(await batch.labels.data()),
  imageShape: [LOW, LOW, 1],
  levels: new Map([[0, Float32Array.from(await low.data())]]),
  provenance: {
    cascade: `real: Fashion-MNIST test split, the last ${N} of its seeded order, area-downsampled ${HIGH}×${HIGH} → ${LOW}×${LOW}`,
    stages: [],
    seed: 0,
    batch: N,
    seconds: 0,
  },
};
tf.dispose([batch.images, batch.labels, low]);
writeFileSync(out, encodeHandover(handover));
console.log(`Wrote ${out}: ${N} real ${LOW}×${LOW} test images`);
