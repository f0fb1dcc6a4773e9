// The GPU check's Node half (bundled by pack.mjs, run by ../gpu-check.sh): the WebGPU adapter Dawn
// finds, a training-step time of @cdm/unet's tiny-32 preset and of a 64×64 ADM stage on webgpu,
// and a gradient check of a small U-Net on webgpu against tfjs-cpu. Prints a report for people on
// stderr and one JSON line on stdout (read by gpu-check.sh, which adds PyTorch's times).
//
//   node check.mjs [--batch32 16] [--batch64 16] [--width32 64] [--res-blocks32 2] [--width64 192] [--res-blocks64 3] [--steps 3] [--skip64]
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { cpuBackend, describeAdapter, installDawnGpu, probeDawnGpu, webgpuBackend } from '@cdm/backend-node';
import { createAdam } from '@cdm/cascade';
import { createAdmUnet, resolveUnetConfig, UNET_PRESETS } from '@cdm/unet';

const args = Object.fromEntries(
  process.argv.slice(2).flatMap((arg, i, all) => (arg.startsWith('--') ? [[arg.slice(2), all[i + 1]?.startsWith('--') === false ? all[i + 1] : 'true']] : [])),
);
const int = (name, fallback) => (args[name] === undefined ? fallback : Number.parseInt(args[name], 10));
const steps = int('steps', 3);
const say = (line) => process.stderr.write(`${line}\n`);

/** A preset, narrower or shallower where flags say so (for CPU Vulkan drivers, which are slow). */
function sized(preset, width, resBlocks) {
  const base = UNET_PRESETS[preset];
  const w = width ?? base.modelChannels;
  return { label: w === base.modelChannels && (resBlocks ?? base.numResBlocks) === base.numResBlocks ? `${preset} as shipped` : `${preset} reduced to width ${w}, ${resBlocks ?? base.numResBlocks} res blocks`, config: resolveUnetConfig({
    ...base,
    modelChannels: w,
    numResBlocks: resBlocks ?? base.numResBlocks,
    ...(w === base.modelChannels ? {} : { normGroups: Math.min(32, w), ...(base.numHeadChannels === undefined ? {} : { numHeadChannels: Math.min(base.numHeadChannels, w) }) }),
  }) };
}

/** The networks timed: tiny-32 and ADM's 64×64 ImageNet model, as shipped unless flags shrink them. */
const nets = [
  { id: 'tiny-32', batch: int('batch32', 16), ...sized('tiny-32', args.width32 && int('width32'), args['res-blocks32'] && int('res-blocks32')) },
  ...(args.skip64 === 'true' ? [] : [{ id: 'adm-64', batch: int('batch64', 16), ...sized('adm-imagenet-64', args.width64 && int('width64'), args['res-blocks64'] && int('res-blocks64')) }]),
];

const report = { node: process.version, adapter: null, driver: null, nets: [], gradientCheck: null };
const probe = await probeDawnGpu();
if (!probe.ok) {
  say(`WebGPU: no adapter — ${probe.reason}`);
  console.log(JSON.stringify({ ...report, error: probe.reason }));
  process.exit(3);
}
report.adapter = probe.adapter;
report.driver = probe.driver;
say(`WebGPU adapter: ${describeAdapter(probe.adapter)}, on ${probe.driver}`);

// tfjs-webgpu registers itself only if navigator.gpu exists when it is evaluated: install Dawn first.
await installDawnGpu();
await import('@tensorflow/tfjs-backend-webgpu');
const webgpu = webgpuBackend({ isInstalled: () => true });
await webgpu.init();

/** Best of `repeats` after one warm-up (pipelines compile then), waiting for the GPU through an async read. */
async function bestMs(fn, repeats) {
  const once = async () => {
    const started = performance.now();
    const out = fn();
    await out.data();
    out.dispose();
    return performance.now() - started;
  };
  await once();
  const times = [];
  for (let i = 0; i < repeats; i++) times.push(await once());
  return Math.min(...times);
}

/** One training step as `cdm train` takes it: the loss, its gradients, @cdm/cascade's Adam update. */
function trainStep(net, adam, x, t, cond, target) {
  const params = [...net.parameters().values()];
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.forward(x, t, cond, { training: true }), target)), params);
  adam.apply(Object.fromEntries([...net.parameters().keys()].map((name, i) => [name, grads[params[i].name]])), 1e-4);
  tf.dispose(Object.values(grads));
  return value;
}

/** Where one step's GPU time goes, by kernel, from WebGPU timestamp queries (tf.profile); a string says why not. */
async function kernelTimes(fn) {
  const profile = await tf.profile(() => tf.dispose(fn()));
  const byName = new Map();
  let total = 0;
  for (const kernel of profile.kernels) {
    if (typeof kernel.kernelTimeMs !== 'number') return `unavailable (${kernel.kernelTimeMs?.error ?? 'no timestamp queries'})`;
    byName.set(kernel.name, (byName.get(kernel.name) ?? 0) + kernel.kernelTimeMs);
    total += kernel.kernelTimeMs;
  }
  return [...byName]
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => ({ name, ms: Number(ms.toFixed(3)), share: `${((100 * ms) / total).toFixed(1)} %` }));
}

function inputs(config, batch, seed) {
  const size = config.imageSize;
  return {
    x: tf.randomNormal([batch, size, size, config.inChannels], 0, 1, 'float32', seed),
    target: tf.randomNormal([batch, size, size, config.outChannels * (config.learnSigma ? 2 : 1)], 0, 1, 'float32', seed + 1),
    t: tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 61) % 1000), 'int32'),
    cond: config.numClasses ? { classLabels: tf.tensor1d(Array.from({ length: batch }, (_, i) => i % config.numClasses), 'int32') } : {},
  };
}

for (const { id, batch, config, label } of nets) {
  say(`${id} (${label}): batch ${batch} at ${config.imageSize}×${config.imageSize} …`);
  const net = createAdmUnet(config);
  const adam = createAdam(net.parameters());
  const { x, target, t, cond } = inputs(config, batch, 3);
  try {
    const forwardMs = await bestMs(() => tf.tidy(() => net.forward(x, t, cond)), steps);
    const trainStepMs = await bestMs(() => trainStep(net, adam, x, t, cond, target), steps);
    say(`  ${net.parameterCount.toLocaleString('en')} parameters: forward ${forwardMs.toFixed(1)} ms, train step ${trainStepMs.toFixed(1)} ms`);
    const kernels = await kernelTimes(() => trainStep(net, adam, x, t, cond, target));
    report.nets.push({ id, label, batch, params: net.parameterCount, config, forwardMs, trainStepMs, kernels });
    if (Array.isArray(kernels)) say(`  GPU time of one train step by kernel: ${kernels.slice(0, 8).map((k) => `${k.name} ${k.share}`).join(', ')}`);
    else say(`  kernel times: ${kernels}`);
  } catch (error) {
    report.nets.push({ id, label, batch, config, error: String(error?.message ?? error) });
    say(`  failed: ${error?.message ?? error}`);
  } finally {
    net.dispose();
    adam.dispose?.();
    tf.dispose([x, target, t, ...Object.values(cond)]);
  }
}

/** Gradients of a small U-Net's loss, per parameter, on the current backend (same seeds: same weights and inputs). */
async function gradients() {
  const config = resolveUnetConfig({ imageSize: 16, modelChannels: 16, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [8], numHeadChannels: 8, normGroups: 8, numClasses: 10, useScaleShiftNorm: true, seed: 5 });
  const net = createAdmUnet(config);
  const { x, target, t, cond } = inputs(config, 2, 11);
  const params = [...net.parameters().entries()];
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.forward(x, t, cond), target)), params.map(([, p]) => p));
  const out = new Map();
  for (const [name, p] of params) out.set(name, await grads[p.name].data());
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads), x, target, t, ...Object.values(cond)]);
  net.dispose();
  return { loss, grads: out };
}

say('gradient check: a small U-Net on webgpu against tfjs-cpu …');
try {
  const onGpu = await gradients();
  await cpuBackend().init();
  const onCpu = await gradients();
  let worst = { name: '', error: 0 };
  for (const [name, ref] of onCpu.grads) {
    const got = onGpu.grads.get(name);
    const scale = Math.max(...ref.map(Math.abs)) || 1;
    const error = Math.max(...ref.map((v, i) => Math.abs(v - got[i]))) / scale;
    if (error > worst.error) worst = { name, error };
  }
  report.gradientCheck = { parameters: onCpu.grads.size, lossGpu: onGpu.loss, lossCpu: onCpu.loss, worstParameter: worst.name, maxRelativeError: worst.error, pass: worst.error < 1e-3 };
  say(`  ${onCpu.grads.size} parameter gradients: largest error ${worst.error.toExponential(2)} of the tensor's largest value (${worst.name}); loss ${onGpu.loss} vs ${onCpu.loss}: ${report.gradientCheck.pass ? 'pass' : 'FAIL'} (limit 1e-3)`);
} catch (error) {
  report.gradientCheck = { pass: false, error: String(error?.message ?? error) };
  say(`  failed: ${error?.stack ?? error}`);
}
console.log(JSON.stringify(report));
process.exit(report.gradientCheck.pass && report.nets.every((n) => n.error === undefined) ? 0 : 1);
