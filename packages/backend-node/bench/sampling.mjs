// Sampling time per step, the way `cdm sample` runs it: a cascade.json loaded with @cdm/cascade
// (its stages' networks, samplers and guidance settings, classifier-free guidance batched into one
// forward of 2B), sampled once to warm up and then timed. bench/run.mjs imports timeCdmSampling;
// torch_reference.py --mode sample times the same networks' steps on the PyTorch side.
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Times `steps` sampler steps of every stage of the cascade at `cascadePath` (absolute) for `batch`
 * images; returns one entry per stage: { name, stepMs, guided, config (the stage's U-Net config) }.
 * Uses whatever tfjs backend is current.
 */
export async function timeCdmSampling({ cascadePath, batch = 16, steps = 10 }) {
  const [{ createRegistries }, { resolveUnetConfig }, { loadCascade }, { fsStorage }] = await Promise.all([
    import('@cdm/core'),
    import('@cdm/unet'),
    import('@cdm/cascade'),
    import('@cdm/backend-node'),
  ]);
  const registries = createRegistries(); // the manifest's plugins (@cdm/unet, @cdm/augment) register into it
  const root = dirname(cascadePath);
  const storage = fsStorage(root);
  const loaded = await loadCascade(storage, relative(root, cascadePath), { registries });
  try {
    const stages = loaded.cascade.stages;
    const classLabels = Array.from({ length: batch }, (_, i) => i % (stages[0].numClasses ?? 1));
    const conditional = stages[0].numClasses !== undefined;
    const run = async (k) => {
      const { images, timings } = await loaded.cascade.sample({
        ...(conditional ? { classLabels } : { count: batch }),
        seed: 0,
        stages: stages.map(() => ({ steps: k })),
      });
      images.dispose();
      return timings;
    };
    await run(2); // warm-up: kernel set-up, heap growth
    const timings = await run(steps);
    return stages.map((stage, i) => {
      const manifestStage = loaded.manifest.stages[i];
      const file = join(root, manifestStage.denoiser.path, 'config.json');
      const guidanceScale = stage.defaults.guidanceScale ?? 1;
      return {
        name: stage.name,
        stepMs: timings[i] / steps,
        guided: guidanceScale !== 1,
        config: resolveUnetConfig(JSON.parse(readFileSync(file, 'utf8')).config),
      };
    });
  } finally {
    loaded.dispose();
  }
}
