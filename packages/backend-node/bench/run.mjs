// npm run bench (after `npm run build` of this package, @cdm/unet, @cdm/cascade, @cdm/augment and
// @cdm/cli): times, on every backend this package can start here, a 1024³ matmul and the forward
// pass and training step (forward + backward + Adam) at batch 16 of (a) @cdm/unet's 'tiny-32'
// preset, the 32×32 ADM U-Net (6.95 M parameters, dropout 0.1 in its training step; skipped with a
// note when @cdm/unet is not built) and (b) a reduced U-Net (bench/small-unet.mjs, no dropout),
// side by side with PyTorch on the same networks doing the same work; breaks each wasm step down
// per kernel (tf.profile), and writes BENCHMARKS.md at the repository root (bench/report.mjs).
//
// Fair to the anchor (issue 25): PyTorch runs from the first python that imports torch (Debian's
// /usr/bin/python3 first; bench/find-torch-python.mjs says loudly when there is none), on Debian's
// OpenBLAS when it is installed (bench/openblas.mjs installs it as root) and with
// OMP_WAIT_POLICY=PASSIVE; its dropout is the config's, like cdm's train step. The two sides are
// interleaved: each of --rounds rounds times every wasm variant and then PyTorch at the same thread
// count, recording the load average (os.loadavg) before each; ratios are given per round (range)
// and of the best times.
//
// Also: sampling per step with the demo cascade's guidance (bench/sampling.mjs against
// torch_reference.py --mode sample), the peak RSS of a tiny-32 training step in a fresh process on
// each side (bench/train-rss.mjs, --mode rss), the largest trainable batch per resolution on each
// side (bench/max-batch.mjs), the start-up of `npm start`'s `cdm sample --demo` end to end, and a
// 3×3 convolution on wasm with 1 and 2 XNNPACK threads (bench/threads.mjs).
//
// The wasm backend is timed with the native kernels on every core, with them on one thread, and
// without them (WebAssembly alone); each is compared with PyTorch at the same thread count.
//
// Options: --batch 16 --channels 64 --steps 3 --rounds 3 --backends wasm,tfjs-cpu --preset tiny-32
//          --out ../../BENCHMARKS.md --threads 1 (wasm XNNPACK threads for the U-Net runs)
//          --thread-bench 1,2 (or 'no') --wasm-alone no (skip the run without native kernels: the
//          slowest) --sampling no --rss no --startup no --oom-table no --sample-steps 10
//          --oom-ladder 4,8,12,16,24,32,48,64 --oom-presets tiny-32,tiny-32-64
// Environment: CDM_SKIP_OPENBLAS_INSTALL=1 (never apt-get install OpenBLAS).
import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, selectBackend } from '@cdm/core';
import { loadNativeAddon, nativeKernelThreads, registerNodeBackends, wasmHeapBytes, wasmThreadsCount } from '@cdm/backend-node';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTorchPython, warnTorchSkipped } from './find-torch-python.mjs';
import { largestBatches } from './max-batch.mjs';
import { ensureOpenBlas, torchEnvironment } from './openblas.mjs';
import { writeReport } from './report.mjs';
import { timeCdmSampling } from './sampling.mjs';
import { smallUNet } from './small-unet.mjs';
import { measureWasmThreads } from './threads.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const batch = Number(args.batch ?? 16);
const channels = Number(args.channels ?? 64);
const steps = Number(args.steps ?? 3);
const rounds = Number(args.rounds ?? 3);
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

// The PyTorch side: which python, which BLAS, which environment (see find-torch-python.mjs, openblas.mjs).
const torchScript = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
const openblas = args.torch === 'no' ? { reason: 'not asked for' } : ensureOpenBlas();
if (openblas.reason) console.error(`[bench] PyTorch runs on the system's libblas.so.3, not OpenBLAS: ${openblas.reason}`);
const torchPython = args.torch === 'no' ? { unavailable: '--torch no' } : findTorchPython(torchEnvironment(openblas, 1));
if (torchPython.unavailable) warnTorchSkipped(torchPython.unavailable);
function runTorch(threads, extra) {
  const argv = [torchScript, '--batch', String(batch), '--threads', String(threads), '--steps', String(Math.max(steps, 3)), ...extra];
  return JSON.parse(execFileSync(torchPython.python, argv, { encoding: 'utf8', env: torchEnvironment(openblas, threads) }).trim().split('\n').at(-1));
}
const torchNetArgs = (spec) => (spec.config ? ['--unet-config', JSON.stringify(spec.config)] : ['--channels', String(channels)]);

// The wasm backend runs three ways: with the native kernels on every core (the default), with
// them on one thread (PyTorch's 1-thread row is its match), and without them (--wasm-alone no skips it).
const wasmVariants = [
  { options: {}, profile: true, sampling: true },
  ...(os.availableParallelism() > 1 ? [{ options: { nativeThreads: 1 }, profile: false }] : []),
  ...(args['wasm-alone'] === 'no' ? [] : [{ options: { native: false }, profile: false }]),
].filter((v, i) => i === 0 || loadNativeAddon().available);
const demoCascade = join(repositoryRoot, 'apps/cli/demo/cascade.json');
const doSampling = args.sampling !== 'no' && existsSync(demoCascade);
const sampleSteps = Number(args['sample-steps'] ?? 10);

// Interleaved rounds: cdm variant, then PyTorch at its thread count, then the next variant.
const results = []; // one entry per backend variant (first round's shape; nets carry every round)
const torchRounds = []; // { round, threads, load, byNet: { id: run } }
const samplingRounds = []; // { round, load, cdm: [...stages], torch: [...] }
for (let round = 0; round < rounds; round++) {
  console.error(`round ${round + 1} of ${rounds} (load ${os.loadavg()[0].toFixed(2)})`);
  const torchDone = new Set();
  for (const name of wanted) {
    if (round > 0 && name !== 'wasm') continue; // the other backends are timed once
    for (const variant of name === 'wasm' ? wasmVariants : [{ options: {}, profile: true }]) {
      const registry = registerNodeBackends(createBackendRegistry(), { wasm: { threads: wasmThreads, ...variant.options } });
      if (!registry.has(name)) {
        if (round === 0) results.push({ backend: name, unavailable: `no backend plugin named '${name}' (known: ${registry.list().join(', ')})` });
        break;
      }
      const support = await registry.get(name).isSupported();
      if (!support.supported) {
        if (round === 0) results.push({ backend: name, unavailable: support.reason });
        break;
      }
      console.error(`  ${name} ${JSON.stringify(variant.options)}…`);
      const load = os.loadavg()[0];
      const measured = await benchBackend(registry.get(name), { profile: variant.profile && round === 0 });
      let entry = results.find((r) => r.backend === measured.backend);
      if (entry === undefined) results.push((entry = { ...measured, rounds: [] }));
      entry.rounds.push({ round, load, nets: measured.nets ?? [] });
      if (variant.sampling && doSampling) {
        const sLoad = os.loadavg()[0];
        console.error('  sampling (demo cascade)…');
        const cdm = await timeCdmSampling({ cascadePath: demoCascade, batch, steps: sampleSteps });
        const torchSteps = torchPython.python
          ? cdm.map((s) => runTorch(measured.threads, ['--mode', 'sample', '--unet-config', JSON.stringify(s.config), '--guided', s.guided ? '1' : '0']))
          : [];
        samplingRounds.push({ round, load: sLoad, threads: measured.threads, cdm, torch: torchSteps });
      }
      if (measured.wasm && torchPython.python && !torchDone.has(measured.threads)) {
        torchDone.add(measured.threads);
        const tLoad = os.loadavg()[0];
        console.error(`  PyTorch, ${measured.threads} thread(s)…`);
        const byNet = {};
        for (const spec of nets.filter((n) => !n.missing)) byNet[spec.id] = runTorch(measured.threads, torchNetArgs(spec));
        torchRounds.push({ round, threads: measured.threads, load: tLoad, byNet });
      }
    }
  }
}

// Peak RSS of a tiny-32 training step, each side in a fresh process.
let rss;
if (args.rss !== 'no' && nets[0]?.config) {
  console.error('peak RSS of a training step…');
  rss = { load: os.loadavg()[0] };
  const child = fileURLToPath(new URL('./train-rss.mjs', import.meta.url));
  const cdmRss = (checkpoint) => {
    try {
      return JSON.parse(execFileSync(process.execPath, [child, '--preset', preset, '--batch', String(batch), '--checkpoint', checkpoint], { encoding: 'utf8' }).trim().split('\n').at(-1));
    } catch (error) {
      return { failed: error.message.split('\n')[0] };
    }
  };
  rss.cdm = cdmRss('no');
  rss.cdmCheckpointed = cdmRss('yes');
  if (torchPython.python) rss.torch = runTorch(os.cpus().length, ['--mode', 'rss', ...torchNetArgs(nets[0])]);
}

// The largest trainable batch per resolution on each side (a ladder of one-step runs in fresh processes).
let largest;
const unetModule = await import('@cdm/unet').catch(() => undefined);
if (args['oom-table'] !== 'no' && unetModule) {
  console.error('largest batch per resolution…');
  const ladder = (args['oom-ladder'] ?? '4,8,12,16,24,32,48,64').split(',').map(Number);
  const presets = (args['oom-presets'] ?? 'tiny-32,tiny-32-64').split(',').map((name) => ({ preset: name, config: unetModule.resolveUnetConfig(unetModule.UNET_PRESETS[name]) }));
  const torch = torchPython.python ? { python: torchPython.python, script: torchScript, env: (threads) => torchEnvironment(openblas, threads) } : undefined;
  largest = { ladder, table: largestBatches({ presets, ladder, torch }) };
}

// Start-up, end to end in a fresh process, best of --rounds: `npm start`'s sampling command (the
// target of issue 25), read from the root package.json so the two cannot drift, and `cdm sample
// --demo` at its default 16 images.
let startup;
const cli = join(repositoryRoot, 'apps/cli/dist/cli.js');
if (args.startup !== 'no') {
  if (!existsSync(cli) || !existsSync(demoCascade)) {
    startup = { missing: `${relative(repositoryRoot, cli)} or the demo cascade is missing (npx turbo run build --filter=@cdm/cli)` };
  } else {
    console.error('start-up of cdm sample --demo…');
    const dir = mkdtempSync(join(os.tmpdir(), 'cdm-bench-'));
    const out = join(dir, 'samples.png');
    const commands = [
      { label: "`npm start`'s command", args: npmStartSampleArgs(out) },
      { label: '`cdm sample --demo --quiet` (16 images)', args: ['sample', '--demo', '--quiet', '--out', out] },
    ];
    for (const command of commands) {
      command.runs = [];
      for (let i = 0; i < rounds; i++) {
        const load = os.loadavg()[0];
        const t0 = performance.now();
        execFileSync(process.execPath, [cli, ...command.args], { stdio: 'ignore' });
        command.runs.push({ ms: performance.now() - t0, load });
      }
    }
    rmSync(dir, { recursive: true, force: true });
    startup = { commands };
  }
}

/** The arguments `npm start` passes to apps/cli/dist/cli.js (root package.json), writing to `out`. */
function npmStartSampleArgs(out) {
  const script = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')).scripts.start;
  const marker = 'node apps/cli/dist/cli.js ';
  const at = script.indexOf(marker);
  if (at < 0) throw new Error(`the root package.json's start script no longer runs "${marker.trim()}": update bench/run.mjs`);
  const words = script.slice(at + marker.length).split(/\s+/).filter(Boolean);
  const outAt = words.indexOf('--out');
  if (outAt >= 0) words.splice(outAt, 2);
  return [...words, '--out', out];
}

const native = loadNativeAddon();
const auto = (await selectBackend('auto', registerNodeBackends(createBackendRegistry()), { init: false })).backend.name;
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

const text = writeReport({
  tf, os, repositoryRoot, native, auto, loadAtStart, loadAtEnd, batch, steps, rounds, optimizerName, nets, results,
  torch: { python: torchPython, openblas, rounds: torchRounds }, sampling: { rounds: samplingRounds, batch, steps: sampleSteps }, rss, largest, startup, threadsResult,
});
writeFileSync(out, text);
console.log(text);
console.error(`wrote ${out}`);
