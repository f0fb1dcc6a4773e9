// The floor of the table: the features of the N real 28×28 test images that real-handover.mjs
// downsamples to 14×14, scored as if they were samples (a perfect super-resolution stage would
// return them). Written as a `cdm eval --save-features` file paired with the rows that start from
// real-handover.safetensors: row i here is the original of the input of their row i, so
// compare.mjs can measure what each stage loses on real inputs against these very images.
//
//   node docs/ablation/fashion/real-floor.mjs <results dir>   (N=1000 by default, as real-handover.mjs)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fsStorage, prepareImageFolder, wasmBackend } from '@cdm/backend-node';
import { openPreparedDataset } from '@cdm/cascade';
import { decodeFeatureFile, encodeFeatureFile, extractFeatures, loadExtractor } from '@cdm/cascade/eval';

const N = Number(process.env.N ?? 1000);
const dir = resolve(process.argv[2] ?? new URL('results', import.meta.url).pathname);
const root = new URL('../../../data/fashion-mnist/test', import.meta.url).pathname;
const RESOLUTION = 28;

await wasmBackend().init();
// The real reference features every row was compared with (any row's file has them).
const reference = decodeFeatureFile(new Uint8Array(readFileSync(join(dir, 'none-s0-real.features.safetensors'))), 'none-s0-real.features.safetensors');
const extractor = await loadExtractor({ storage: fsStorage(new URL('.', import.meta.url).pathname), path: 'extractor' });
if (extractor.fingerprint !== reference.fingerprint) throw new Error(`extractor ${extractor.fingerprint} is not the one the rows used (${reference.fingerprint})`);
const prepared = await prepareImageFolder({ root, resolution: RESOLUTION, channels: 1 });
const dataset = await openPreparedDataset({ storage: fsStorage(prepared.path), path: '', randomFlip: false });
// The same images, in the same order, as real-handover.mjs: the last N of the seeded order (seed 0).
const stream = dataset.batches({ batchSize: N, seed: 0, start: dataset.size - N })[Symbol.asyncIterator]();
const { value: batch } = await stream.next();
await stream.return?.();
const images = Float32Array.from(await batch.images.data());
const labels = Int32Array.from(await batch.labels.data());
tf.dispose([batch.images, batch.labels]);
const set = await extractFeatures(extractor, images, N, RESOLUTION, { channels: 1, batchSize: 100 });
let correct = 0;
for (let i = 0; i < N; i++) {
  const row = set.logits.subarray(i * extractor.numClasses, (i + 1) * extractor.numClasses);
  if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
}
// provenance.handover is the real-input rows' hand-over file: it pairs this file with those rows in compare.mjs.
const out = join(dir, 'real-floor.features.safetensors');
writeFileSync(
  out,
  encodeFeatureFile({
    samples: set.features,
    real: reference.real,
    count: N,
    realCount: reference.realCount,
    featureDim: set.featureDim,
    labels,
    extractor: extractor.name,
    fingerprint: extractor.fingerprint,
    provenance: { what: `the real ${RESOLUTION}×${RESOLUTION} originals of real-handover.safetensors' inputs`, handover: reference.provenance.handover, classAccuracy: correct / N },
  }),
);
extractor.dispose();
console.log(`Wrote ${out}: features of ${N} real ${RESOLUTION}×${RESOLUTION} test images (class accuracy ${((100 * correct) / N).toFixed(1)} %)`);
