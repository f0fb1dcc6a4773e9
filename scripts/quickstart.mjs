// The README's first command ends here: a tour of what @cdm/core does today, on this machine,
// with no GPU and no download. It samples from the exact optimal denoiser of known data (so the
// answer is known) with the DDPM and DDIM samplers and shows that the samples are right.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import {
  GaussianDiffusion,
  createNoiseSchedule,
  createRng,
  noiseSchedules,
  sample,
  samplers,
} from '@cdm/core';
import { gaussianOracle } from '@cdm/core/testing';

const backend = (await tf.setBackend('wasm')) ? 'wasm' : (await tf.setBackend('cpu'), 'cpu');
const { version } = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(new URL('../packages/core/package.json', import.meta.url), 'utf8')));

console.log(`cdm: cascaded diffusion models in TypeScript`);
console.log(`@cdm/core ${version} on Node ${process.version}, tfjs backend "${backend}"`);
console.log(`noise schedules: ${noiseSchedules.list().join(', ')}; samplers: ${samplers.list().join(', ')}\n`);

// A 4×4 "image" x* in [−1, 1]: a sampler driven by the optimal denoiser of the single point x* must
// return x* exactly; for Gaussian data N(μ, σ²) it must reproduce μ and σ.
const schedule = createNoiseSchedule('cosine', 1000);
const rows = [];
for (const [name, options] of [
  ['ddim', { steps: 'ddim50' }],
  ['ddim', { steps: 'ddim10' }],
  ['ddpm', { steps: 250 }],
]) {
  const diffusion = new GaussianDiffusion({ schedule });
  const sampler = samplers.get(name).create(diffusion, { ...options, clipDenoised: false });
  const model = gaussianOracle({ schedule, mean: 0.3, std: 0.5, output: 'eps' });
  const start = performance.now();
  const { sample: x } = await sample({ sampler, model, shape: [16, 32, 32, 3], rng: createRng(1) });
  const ms = performance.now() - start;
  const { mean, variance } = tf.moments(x);
  rows.push({
    sampler: `${name}, steps ${options.steps}`,
    'sample mean (target 0.300)': (await mean.data())[0].toFixed(3),
    'sample std (target 0.500)': Math.sqrt((await variance.data())[0]).toFixed(3),
    'time (49 152 values)': `${ms.toFixed(0)} ms`,
  });
  tf.dispose([x, mean, variance]);
  model.dispose();
}
console.log('Sampling N(0.3, 0.5²) from its exact optimal denoiser (few DDIM steps under-disperse: a known discretisation error):');
console.table(rows);

const xStar = tf.tensor4d(Array.from({ length: 16 }, (_, i) => Math.sin(i) * 0.9), [1, 4, 4, 1]);
const point = gaussianOracle({ schedule, mean: xStar, std: 0, output: 'v' });
const diffusion = new GaussianDiffusion({ schedule, modelOutput: 'v' });
const { sample: recovered } = await sample({ sampler: samplers.get('ddim').create(diffusion, { steps: 'ddim25' }), model: point, shape: [1, 4, 4, 1], rng: createRng(2) });
const error = tf.max(tf.abs(tf.sub(recovered, xStar)));
console.log(`A single data point x*, v-parameterised, DDIM 25 steps: max |x − x*| = ${(await error.data())[0].toExponential(2)}\n`);

console.log(`Coming next (see the open issues): the ADM U-Net (@cdm/unet), conditioning augmentation
(@cdm/augment), cascades with training and exact resume (@cdm/cascade), fast WASM training and
platform services (@cdm/backend-node), the browser on WebGPU (@cdm/backend-web, playground), and
the \`cdm\` CLI, whose \`cdm sample --demo\` will replace this tour with images from a shipped cascade.`);
