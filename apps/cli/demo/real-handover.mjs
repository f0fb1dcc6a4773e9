// A hand-over file of *real* 16×16 procedural images for `cdm eval --demo --handover`: N images of
// procedural world 4242 (neither the demo's training world 0 nor the eval reference world 7919),
// rendered at 32×32 and area-downsampled to 16×16 exactly as training makes the super-resolution
// stage's conditioning, with their classes (example i is class i mod 10). The demo's sr32 evaluated
// from this file shows what it does with the inputs it was trained on; next to `cdm eval --demo`
// (from the base's samples), the difference is what the base's imperfections cost.
//
//   node apps/cli/demo/real-handover.mjs out.safetensors   (N=300 by default)
import { writeFileSync } from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { downsampleArea } from '@cdm/core';
import { proceduralDataset } from '@cdm/cascade';
import { encodeHandover } from '@cdm/cli';

const N = Number(process.env.N ?? 300);
const WORLD = 4242;
const [HIGH, LOW] = [32, 16];
const out = process.argv[2];
if (out === undefined) throw new Error('usage: node apps/cli/demo/real-handover.mjs out.safetensors');

await tf.setBackend('cpu');
const dataset = proceduralDataset({ resolution: HIGH, worldSeed: WORLD });
const high = new Float32Array(N * HIGH * HIGH * 3);
for (let i = 0; i < N; i++) high.set(dataset.render(i), i * HIGH * HIGH * 3);
const low = tf.tidy(() => downsampleArea(tf.tensor4d(high, [N, HIGH, HIGH, 3]), LOW));
const handover = {
  count: N,
  labels: Int32Array.from({ length: N }, (_, i) => i % dataset.numClasses),
  imageShape: [LOW, LOW, 3],
  levels: new Map([[0, Float32Array.from(await low.data())]]),
  provenance: {
    cascade: `real: procedural world ${WORLD}, examples 0…${N - 1}, rendered ${HIGH}×${HIGH} and area-downsampled to ${LOW}×${LOW}`,
    stages: [],
    seed: 0,
    batch: N,
    seconds: 0,
  },
};
low.dispose();
writeFileSync(out, encodeHandover(handover));
console.log(`Wrote ${out}: ${N} real ${LOW}×${LOW} procedural images`);
