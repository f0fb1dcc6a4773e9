// npm run bench (after `npm run build` of this package and @cdm/unet): times, on every backend this
// package can start here, a 1024³ matmul and the forward pass and training step (forward + backward
// + Adam) at batch 16 of (a) @cdm/unet's 'tiny-32' preset, the 32×32 ADM U-Net (6.95 M parameters;
// skipped with a note when @cdm/unet is not built) and (b) a reduced U-Net (bench/small-unet.mjs),
// side by side with PyTorch on the same networks when python3 has torch; breaks each wasm step
// down per kernel (tf.profile), and writes BENCHMARKS.md at the repository root.
//
// Also times a 3×3 convolution on wasm with 1 and 2 XNNPACK threads (bench/threads.mjs, the
// experimental `wasmBackend({ threads })`), and records the machine's load average.
//
// The wasm backend is timed with the native kernels on every core, with them on one thread, and
// without them (WebAssembly alone); each is compared with PyTorch at the same thread count.
//
// Options: --batch 16 --channels 64 --steps 3 --backends wasm,tfjs-cpu --preset tiny-32 --out ../../BENCHMARKS.md
//          --threads 1 (wasm XNNPACK threads for the U-Net runs) --thread-bench 1,2 (or 'no')
//          --wasm-alone no (skip the run without native kernels: the slowest)
import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, selectBackend } from '@cdm/core';
import { loadNativeAddon, nativeKernelThreads, registerNodeBackends, wasmHeapBytes, wasmThreadsCount } from '@cdm/backend-node';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { smallUNet } from './small-unet.mjs';
import { measureWasmThreads } from './threads.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const batch = Number(args.batch ?? 16);
const channels = Number(args.channels ?? 64);
const steps = Number(args.steps ?? 3);
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const out = args.out ?? join(repositoryRoot, 'BENCHMARKS.md');
// tfjs-cpu's convolution gradients are scalar loops: a training step of this net takes minutes.
const wanted = (args.backends ?? 'tensorflow-cuda,tensorflow,wasm,tfjs-cpu').split(',');
const netOnCpu = args['cpu-net'] === 'yes';
const preset = args.preset ?? 'tiny-32';
const wasmThreads = Number(args.threads ?? 1);
const threadBench = args['thread-bench'] === 'no' ? [] : (args['thread-bench'] ?? '1,2').split(',').map(Number);
const loadAtStart = os.loadavg();

/** The networks to time: each builds { params, forward(x), loss(x, target), numParams, dispose }. */
async function networks() {
  const list = [];
  const unet = await import('@cdm/unet').catch((error) => ({ missing: error.message.split('\n')[0] }));
  if (unet.missing) {
    list.push({ id: `@cdm/unet ${preset}`, missing: `not built (${unet.missing}); run npx turbo run build --filter=@cdm/unet` });
  } else {
    const config = unet.resolveUnetConfig(unet.UNET_PRESETS[preset]);
    list.push({
      id: `@cdm/unet ${preset}`,
      config,
      build() {
        const net = unet.createAdmUnet(config);
        const t = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 61) % 1000), 'int32');
        const labels = config.numClasses ? tf.tensor1d(Array.from({ length: batch }, (_, i) => i % config.numClasses), 'int32') : undefined;
        const cond = labels ? { classLabels: labels } : {};
        return {
          params: [...net.parameters().values()],
          numParams: net.parameterCount,
          forward: (x) => net.forward(x, t, cond),
          loss: (x, target) => tf.mean(tf.squaredDifference(net.forward(x, t, cond, { training: true }), target)),
          dispose: () => {
            net.dispose();
            tf.dispose([t, ...(labels ? [labels] : [])]);
          },
        };
      },
    });
  }
  list.push({
    id: 'reduced U-Net (bench/small-unet.mjs)',
    about: 'Written in plain tfjs ops, so GroupNorm and SiLU run as composites (Sigmoid, Mul, moments, …) rather than the fused kernels @cdm/unet uses: this is what a model that does not use the fused-kernel contracts gets.',
    build: () => smallUNet({ channels }),
  });
  return list;
}
const nets = await networks();

// The optimizer: @cdm/cascade's Adam (what `cdm train` uses; one fused kernel per parameter where
// the backend has it) when that package is built, else tfjs' own.
const cascade = await import('@cdm/cascade').catch(() => undefined);
const optimizerName = cascade?.createAdam ? "@cdm/cascade's createAdam" : 'tf.train.adam';
function createOptimizer(params) {
  if (!cascade?.createAdam) {
    const adam = tf.train.adam(1e-4);
    return { minimize: (loss) => adam.minimize(loss, true, params), dispose: () => adam.dispose() };
  }
  const named = new Map(params.map((p, i) => [`p${i}`, p]));
  const adam = cascade.createAdam(named);
  return {
    minimize(loss) {
      const { value, grads } = tf.variableGrads(loss, params);
      adam.apply(Object.fromEntries(params.map((p, i) => [`p${i}`, grads[p.name]])), 1e-4);
      tf.dispose(Object.values(grads));
      return value;
    },
    dispose: () => adam.dispose(),
  };
}

// Best of N: on a shared machine other jobs only ever add time, so the minimum is the steadiest estimate.
const best = (xs) => Math.min(...xs);
async function time(fn, repeats) {
  const once = async () => {
    const t0 = performance.now();
    const result = fn();
    const tensors = Array.isArray(result) ? result : [result];
    await Promise.all(tensors.filter(Boolean).map((t) => t.data())); // wait for the work itself
    tf.dispose(tensors);
    return performance.now() - t0;
  };
  await once(); // warm-up: kernel setup, XNNPACK operator creation, heap growth
  const times = [];
  for (let i = 0; i < repeats; i++) times.push(await once());
  return best(times);
}

/** What a wasm run is: '+ native kernels (avx512), 2 threads' or 'alone, 1 thread', and the thread count PyTorch is compared at. */
function wasmLabel() {
  const native = nativeKernelThreads('wasm');
  const xnnpack = wasmThreadsCount() ?? 1;
  if (native === undefined) return { label: `wasm alone (native kernels off), ${xnnpack} thread${xnnpack > 1 ? 's' : ''}`, threads: xnnpack };
  const status = loadNativeAddon();
  const isa = status.available ? status.isa : '?';
  return { label: `wasm + native kernels (${isa}), ${native} thread${native > 1 ? 's' : ''}${xnnpack > 1 ? ` (XNNPACK ${xnnpack})` : ''}`, threads: native };
}

async function benchBackend(backend, { profile = true } = {}) {
  await backend.init();
  const name = backend.name;
  const wasm = name === 'wasm' ? wasmLabel() : undefined;
  const result = { backend: wasm?.label ?? backend.name, tfjsBackend: tf.getBackend(), threads: wasm?.threads, wasm: wasm !== undefined };
  const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
  const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
  result.matmulGflops = (2 * 1024 ** 3) / (await time(() => tf.matMul(a, b), name === 'tfjs-cpu' ? 1 : 5)) / 1e6;
  tf.dispose([a, b]);
  if (name === 'tfjs-cpu' && !netOnCpu) return { ...result, skipped: 'U-Net: tfjs-cpu convolution gradients are scalar loops (minutes per step); --cpu-net yes to run' };

  result.nets = [];
  for (const spec of nets.filter((n) => !n.missing)) {
    console.error(`  ${spec.id}…`);
    const net = spec.build();
    const r = { id: spec.id, params: net.numParams };
    const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 3);
    const target = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 4);
    const optimizer = createOptimizer(net.params);
    r.forwardMs = await time(() => tf.tidy(() => net.forward(x)), steps);
    r.trainStepMs = await time(() => optimizer.minimize(() => net.loss(x, target)), steps);
    const tensorsBefore = tf.memory().numTensors;
    const profiled = await tf.profile(() => tf.dispose(optimizer.minimize(() => net.loss(x, target))));
    r.peakBytes = profiled.peakBytes;
    r.heapBytes = wasmHeapBytes(tf.getBackend()) ?? null;
    r.leakedTensors = tf.memory().numTensors - tensorsBefore;
    const byKernel = new Map();
    for (const k of profiled.kernels) {
      const ms = await k.kernelTimeMs;
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      byKernel.set(k.name, { ms: entry.ms + (typeof ms === 'number' ? ms : 0), calls: entry.calls + 1 });
    }
    // tf.customGrad records its wrapper as an 'unnamed scope' whose time includes the fused kernel inside it: left out, not counted twice.
    byKernel.delete('unnamed scope');
    if (profile) r.kernels = [...byKernel.entries()].map(([kernel, v]) => ({ kernel, ...v })).sort((p, q) => q.ms - p.ms);
    optimizer.dispose();
    tf.dispose([x, target]);
    net.dispose();
    result.nets.push(r);
  }
  return result;
}

function torchReference() {
  try {
    execFileSync('python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return { unavailable: 'python3 with torch not found (Debian: apt-get install python3-torch)' };
  }
  const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
  const byNet = {};
  for (const spec of nets.filter((n) => !n.missing)) {
    const extra = spec.config ? ['--unet-config', JSON.stringify(spec.config)] : ['--channels', String(channels)];
    const run = (threads) => JSON.parse(execFileSync('python3', [script, '--batch', String(batch), '--threads', String(threads), '--steps', String(Math.max(steps, 3)), ...extra], { encoding: 'utf8' }));
    byNet[spec.id] = { oneThread: run(1), allThreads: run(os.cpus().length) };
  }
  return { byNet };
}

// The wasm backend runs three ways: with the native kernels on every core (the default), with
// them on one thread (PyTorch's 1-thread row is its match), and without them (--wasm-alone no skips it).
const wasmVariants = [
  { options: {}, profile: true },
  ...(os.availableParallelism() > 1 ? [{ options: { nativeThreads: 1 }, profile: false }] : []),
  ...(args['wasm-alone'] === 'no' ? [] : [{ options: { native: false }, profile: false }]),
].filter((v, i) => i === 0 || loadNativeAddon().available);
const results = [];
for (const name of wanted) {
  for (const variant of name === 'wasm' ? wasmVariants : [{ options: {}, profile: true }]) {
    const registry = registerNodeBackends(createBackendRegistry(), { wasm: { threads: wasmThreads, ...variant.options } });
    if (!registry.has(name)) {
      results.push({ backend: name, unavailable: `no backend plugin named '${name}' (known: ${registry.list().join(', ')})` });
      break;
    }
    const support = await registry.get(name).isSupported();
    if (!support.supported) {
      results.push({ backend: name, unavailable: support.reason });
      break;
    }
    console.error(`benchmarking ${name} ${JSON.stringify(variant.options)}…`);
    results.push(await benchBackend(registry.get(name), variant));
  }
}
const native = loadNativeAddon();
const auto = (await selectBackend('auto', registerNodeBackends(createBackendRegistry()), { init: false })).backend.name;
console.error('PyTorch reference…');
const torch = torchReference();
let threadsResult;
if (threadBench.length > 0) {
  console.error(`wasm threads ${threadBench.join(' vs ')}…`);
  try {
    threadsResult = measureWasmThreads({ threads: threadBench });
  } catch (error) {
    threadsResult = { failed: error.message.split('\n')[0] };
  }
}
const loadAtEnd = os.loadavg();

const fmt = (v, digits = 0) => (v === undefined || v === null ? '—' : Number(v).toFixed(digits));
const lines = [];
lines.push('# Benchmarks', '');
lines.push(`Written by \`npm run bench\` in packages/backend-node on ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.`, '');
lines.push('Sampling in a browser (WebGPU, WebGL, WASM in headless Chromium) is timed by `npm run bench -w @cdm/playground`, in [apps/playground/BENCHMARKS.md](apps/playground/BENCHMARKS.md).', '');
lines.push('Data loading (the wait for batches inside training steps, image folder against prepared dataset) is timed by `npm run bench -w @cdm/cli`, in [apps/cli/BENCHMARKS.md](apps/cli/BENCHMARKS.md).', '');
lines.push(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.versions.node}, tfjs-core ${tf.version_core}. The \`auto\` device picks **${auto}** here.`, '');
lines.push(`Load average (1/5/15 min) at the start: ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')}; at the end: ${loadAtEnd.map((l) => l.toFixed(1)).join(' / ')}. The machine is shared with other jobs, so other processes compete for the ${os.cpus().length} cores: compare rows measured in the same run, not across runs.`, '');
lines.push(
  native.available
    ? `Native kernels: ${relative(repositoryRoot, native.path)} (${native.isa}), built by scripts/build-native.mjs for this CPU; they run the convolutions and their gradients, matrix products, broadcast arithmetic, Sum/Mean, Concat/SplitV and the fused GroupNorm and SiLU, and tfjs-wasm the rest.`
    : `Native kernels: not available (${native.reason}); every wasm row is WebAssembly alone.`,
  '',
);
lines.push(`Batch ${batch}, 32×32×3 inputs, mse loss, Adam (lr 1e-4; ${optimizerName}); a training step is forward + backward + Adam update. Times are the best of ${steps} runs after a warm-up (PyTorch: best of ${Math.max(steps, 3)}); matmul is 1024³ float32.`, '');
lines.push('| backend | matmul 1024³ GFLOP/s | notes |', '|---|---|---|');
for (const r of results) lines.push(`| ${r.backend} | ${r.unavailable ? '—' : fmt(r.matmulGflops, 1)} | ${r.unavailable ? `not available: ${r.unavailable}` : (r.skipped ?? '')} |`);
for (const run of Object.values(torch.byNet ?? {}).slice(0, 1).flatMap((t) => [t.oneThread, t.allThreads])) {
  lines.push(`| PyTorch ${run.torch} CPU, ${run.threads} thread${run.threads > 1 ? 's' : ''} | ${fmt(run.matmulGflops, 1)} | |`);
}
for (const spec of nets) {
  lines.push('', `## ${spec.id}`, '');
  if (spec.about) lines.push(spec.about, '');
  if (spec.missing) {
    lines.push(`Skipped: ${spec.missing}.`);
    continue;
  }
  const rows = results.filter((r) => r.nets).map((r) => ({ backend: r.backend, ...r.nets.find((n) => n.id === spec.id) }));
  lines.push('| backend | parameters | forward ms | train step ms | peak tensor MiB | WASM heap MiB | leaked tensors per step |', '|---|---|---|---|---|---|---|');
  for (const r of rows) lines.push(`| ${r.backend} | ${r.params} | ${fmt(r.forwardMs)} | ${fmt(r.trainStepMs)} | ${r.peakBytes ? fmt(r.peakBytes / 2 ** 20) : '—'} | ${r.heapBytes ? fmt(r.heapBytes / 2 ** 20) : '—'} | ${r.leakedTensors} |`);
  const t = torch.byNet?.[spec.id];
  if (!t) {
    lines.push('', `PyTorch reference: ${torch.unavailable ?? 'not run'}.`);
    continue;
  }
  for (const run of [t.oneThread, t.allThreads]) {
    lines.push(`| PyTorch ${run.torch} CPU, ${run.threads} thread${run.threads > 1 ? 's' : ''} | ${run.params} | ${fmt(run.forwardMs)} | ${fmt(run.trainStepMs)} | — | — | — |`);
  }
  const ratios = results
    .filter((r) => r.wasm && r.nets)
    .map((r) => {
      const row = rows.find((x) => x.backend === r.backend);
      const torchRun = r.threads > 1 ? t.allThreads : t.oneThread;
      return `- ${r.backend} / PyTorch at ${torchRun.threads} thread${torchRun.threads > 1 ? 's' : ''}: forward **${(row.forwardMs / torchRun.forwardMs).toFixed(2)}×**, train step **${(row.trainStepMs / torchRun.trainStepMs).toFixed(2)}×**`;
    });
  if (ratios.length > 0) lines.push('', 'Each wasm row against PyTorch with the same number of threads (target, issue 3: ≤ 2.0×):', '', ...ratios);
  for (const r of rows.filter((r) => r.kernels)) {
    const total = r.kernels.reduce((sum, k) => sum + k.ms, 0);
    lines.push('', `Where a ${r.backend} training step goes (tf.profile: ${fmt(total)} ms of kernel time; a replacement kernel counts as one):`, '');
    lines.push('| kernel | calls | ms | share |', '|---|---|---|---|');
    for (const k of r.kernels.slice(0, 15)) lines.push(`| ${k.kernel} | ${k.calls} | ${fmt(k.ms, 1)} | ${fmt((100 * k.ms) / total, 1)} % |`);
  }
}
if (threadsResult) {
  lines.push('', '## wasm threads (experimental)', '');
  if (threadsResult.failed) {
    lines.push(`The thread benchmark failed: ${threadsResult.failed}`);
  } else {
    const t = threadsResult;
    lines.push(`A 3×3 convolution forward pass, [${t.shape.join(',')}] → 64 channels, on \`wasmBackend({ threads })\` (bench/threads.mjs). Each thread count runs in its own process, alternating, ${t.runs} timed runs each. Load average before: ${t.loadBefore.map((l) => l.toFixed(1)).join(' / ')}, after: ${t.loadAfter.map((l) => l.toFixed(1)).join(' / ')}.`, '');
    lines.push('| threads asked | threads running | median ms | min ms | median of each round | GFLOP/s (median) | process CPU / wall | speed-up (median) |', '|---|---|---|---|---|---|---|---|');
    const base = t.rows[0].medianMs;
    for (const r of t.rows) {
      lines.push(`| ${r.requested} | ${r.threads} | ${fmt(r.medianMs, 1)} | ${fmt(r.minMs, 1)} | ${r.medianPerRound.map((m) => fmt(m, 0)).join(', ')} | ${fmt(r.gflops, 1)} | ${fmt(r.cpuPerWall, 2)} | ${fmt(base / r.medianMs, 2)}× |`);
    }
    const warnings = t.rows.flatMap((r) => r.warnings);
    if (warnings.length > 0) lines.push('', `Warnings: ${warnings.join('; ')}`);
    lines.push('', 'A process CPU / wall ratio below the thread count means the process did not get that many cores: on this machine the kernel schedules each session (autogroup) as one unit, so when other sessions are busy extra threads cannot add CPU time.');
  }
}
lines.push('');
writeFileSync(out, lines.join('\n'));
console.log(lines.join('\n'));
console.error(`wrote ${out}`);
