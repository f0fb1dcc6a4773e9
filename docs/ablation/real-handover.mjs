// A hand-over file of *real* low-resolution images, for `cdm eval --handover`: N procedural examples
// from a world no model trained on and the metrics do not use (WORLD, default 4242), rendered at
// 32×32 and area-downsampled to 16×16 exactly as training makes a super-resolution stage's
// conditioning. Example i has class i mod 10, the cascades' class order. The rows evaluated from it
// tell how well each super-resolution stage does on the inputs it was trained on, next to the
// base's samples: the gap between the two is the train/sample mismatch that conditioning
// augmentation is meant to close.
//
//   node docs/ablation/real-handover.mjs [out.safetensors]
import { writeFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { downsampleArea } from '@cdm/core';
import { proceduralDataset } from '@cdm/cascade';
import { encodeHandover } from '@cdm/cli';

const N = Number(process.env.N ?? 250);
const WORLD = Number(process.env.WORLD ?? 4242);
const out = process.argv[2] ?? new URL('results/real-handover.safetensors', import.meta.url).pathname;
const HIGH = 32;
const LOW = 16;

await tf.setBackend('cpu');
const dataset = proceduralDataset({ resolution: HIGH, worldSeed: WORLD });
const high = new Float32Array(N * HIGH * HIGH * 3);
for (let i = 0; i < N; i++) high.set(dataset.render(i), i * HIGH * HIGH * 3);
const images = tf.tidy(() => downsampleArea(tf.tensor4d(high, [N, HIGH, HIGH, 3]), LOW)).dataSync();
const handover = {
  count: N,
  labels: Int32Array.from({ length: N }, (_, i) => i % 10),
  imageShape: [LOW, LOW, 3],
  levels: new Map([[0, images]]),
  provenance: { cascade: `real: procedural world ${WORLD}, rendered at ${HIGH}×${HIGH}, area-downsampled to ${LOW}×${LOW}`, stages: [], seed: WORLD, batch: N, seconds: 0 },
};
writeFileSync(out, encodeHandover(handover));
console.log(`Wrote ${out}: ${N} real ${LOW}×${LOW} images from procedural world ${WORLD}`);
