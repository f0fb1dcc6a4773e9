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
import { encodeHandover } from '@cdm/cli';
import { proceduralDataset } from '@cdm/cascade';

const N = Number(process.env.N ?? 250);
const WORLD = Number(process.env.WORLD ?? 4242);
const out = process.argv[2] ?? new URL('results/real-handover.safetensors', import.meta.url).pathname;
const HIGH = 32;
const LOW = 16;
const f = HIGH / LOW;

const dataset = proceduralDataset({ resolution: HIGH, worldSeed: WORLD });
const images = new Float32Array(N * LOW * LOW * 3);
for (let i = 0; i < N; i++) {
  const high = dataset.render(i);
  const low = images.subarray(i * LOW * LOW * 3, (i + 1) * LOW * LOW * 3);
  for (let y = 0; y < LOW; y++) {
    for (let x = 0; x < LOW; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) sum += high[((y * f + dy) * HIGH + x * f + dx) * 3 + c];
        low[(y * LOW + x) * 3 + c] = sum / (f * f);
      }
    }
  }
}
const handover = {
  count: N,
  labels: Int32Array.from({ length: N }, (_, i) => i % 10),
  imageShape: [LOW, LOW, 3],
  levels: new Map([[0, images]]),
  provenance: { cascade: `real: procedural world ${WORLD}, rendered at ${HIGH}×${HIGH}, area-downsampled to ${LOW}×${LOW}`, stages: [], seed: WORLD, batch: N, seconds: 0 },
};
writeFileSync(out, encodeHandover(handover));
console.log(`Wrote ${out}: ${N} real ${LOW}×${LOW} images from procedural world ${WORLD}`);
