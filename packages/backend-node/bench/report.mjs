// Writes BENCHMARKS.md from what bench/run.mjs measured (no timing here).
import { relative } from 'node:path';

const fmt = (v, digits = 0) => (v === undefined || v === null || Number.isNaN(v) ? '—' : Number(v).toFixed(digits));
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
const min = (xs) => Math.min(...xs);
const range = (xs) => (xs.length === 0 ? '—' : `${fmt(min(xs), 2)}–${fmt(Math.max(...xs), 2)}×`);
const mib = (bytes) => fmt(bytes / 2 ** 20);

/** The PyTorch run at `threads` in `round` for net `id`, if any. */
function torchRun(torch, id, threads, round) {
  return torch.rounds.find((r) => r.threads === threads && (round === undefined || r.round === round))?.byNet[id];
}

/** Best-of-rounds values of a PyTorch net at a thread count. */
function torchBest(torch, id, threads) {
  const runs = torch.rounds.filter((r) => r.threads === threads).map((r) => r.byNet[id]).filter(Boolean);
  if (runs.length === 0) return undefined;
  return { ...runs[0], forwardMs: min(runs.map((r) => r.forwardMs)), trainStepMs: min(runs.map((r) => r.trainStepMs)), matmulGflops: Math.max(...runs.map((r) => r.matmulGflops)) };
}

export function writeReport(m) {
  const { tf, os, torch } = m;
  const lines = [];
  const torchThreads = [...new Set(torch.rounds.map((r) => r.threads))].sort((a, b) => a - b);
  const blas = torch.rounds[0] ? Object.values(torch.rounds[0].byNet)[0]?.blas ?? [] : [];
  lines.push('# Benchmarks', '');
  lines.push(`Written by \`npm run bench\` in packages/backend-node on ${new Date().toISOString().slice(0, 10)}. Do not edit by hand.`, '');
  lines.push('Sampling in a browser (WebGPU, WebGL, WASM in headless Chromium) is timed by `npm run bench -w @cdm/playground`, in [apps/playground/BENCHMARKS.md](apps/playground/BENCHMARKS.md).', '');
  lines.push('Data loading (the wait for batches inside training steps, image folder against prepared dataset) is timed by `npm run bench -w @cdm/cli`, and the throughput of `cdm eval --queue` with 1 and 2 `cdm worker` processes by `npm run bench:queue -w @cdm/cli`, both in [apps/cli/BENCHMARKS.md](apps/cli/BENCHMARKS.md).', '');
  lines.push(`Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.versions.node}, tfjs-core ${tf.version_core}. The \`auto\` device picks **${m.auto}** here.`, '');
  lines.push(`Load average (1/5/15 min) at the start: ${m.loadAtStart.map((l) => l.toFixed(1)).join(' / ')}; at the end: ${m.loadAtEnd.map((l) => l.toFixed(1)).join(' / ')}. Each table below gives the 1-minute load before every measurement. The machine may be shared with other jobs: compare rows measured in the same run, not across runs.`, '');
  lines.push(
    m.native.available
      ? `Native kernels: ${relative(m.repositoryRoot, m.native.path)} (${m.native.isa}), built by scripts/build-native.mjs for this CPU; they run the convolutions and their gradients, matrix products, broadcast arithmetic, Sum/Mean, Concat/SplitV and the fused GroupNorm and SiLU, and tfjs-wasm the rest.`
      : `Native kernels: not available (${m.native.reason}); every wasm row is WebAssembly alone.`,
    '',
  );
  if (torch.python.unavailable) {
    lines.push(`**PyTorch reference skipped**: ${torch.python.unavailable}.`, '');
  } else {
    lines.push(
      `PyTorch ${torch.rounds[0]?.byNet && Object.values(torch.rounds[0].byNet)[0]?.torch} from \`${torch.python.python}\`, BLAS ${blas.length > 0 ? blas.map((p) => `\`${p}\``).join(', ') : 'unknown'}${torch.openblas.dir ? ' (OpenBLAS first on LD_LIBRARY_PATH)' : ` (not OpenBLAS: ${torch.openblas.reason})`}, OMP_WAIT_POLICY=PASSIVE. Its networks apply the same dropout as cdm's train step (tiny-32: the config's 0.1; the reduced U-Net: none on either side).`,
      '',
    );
  }
  lines.push(`Batch ${m.batch}, 32×32×3 inputs, mse loss, Adam (lr 1e-4; ${m.optimizerName}); a training step is forward + backward + Adam update. ${plural(m.rounds, 'round')}, interleaved: in each, every wasm variant is timed (best of ${m.steps} after a warm-up) and then PyTorch at the same thread count (best of ${Math.max(m.steps, 3)}). Times below are the best over the rounds; ratios are of those bests, with the range of the per-round ratios. Matmul is 1024³ float32.`, '');
  lines.push('| backend | matmul 1024³ GFLOP/s | notes |', '|---|---|---|');
  for (const r of m.results) lines.push(`| ${r.backend} | ${r.unavailable ? '—' : fmt(r.matmulGflops, 1)} | ${r.unavailable ? `not available: ${r.unavailable}` : (r.skipped ?? '')} |`);
  const firstNet = m.nets.find((n) => !n.missing);
  for (const threads of torchThreads) {
    const run = firstNet && torchBest(torch, firstNet.id, threads);
    if (run) lines.push(`| PyTorch ${run.torch} CPU, ${plural(threads, 'thread')} | ${fmt(run.matmulGflops, 1)} | |`);
  }
  for (const spec of m.nets) {
    lines.push('', `## ${spec.id}`, '');
    if (spec.about) lines.push(spec.about, '');
    if (spec.missing) {
      lines.push(`Skipped: ${spec.missing}.`);
      continue;
    }
    const rows = m.results.filter((r) => r.rounds && r.nets).map((r) => {
      const perRound = r.rounds.map((x) => ({ round: x.round, load: x.load, ...x.nets.find((n) => n.id === spec.id) }));
      const first = r.nets.find((n) => n.id === spec.id);
      return { backend: r.backend, wasm: r.wasm, threads: r.threads, perRound, ...first, forwardMs: min(perRound.map((x) => x.forwardMs)), trainStepMs: min(perRound.map((x) => x.trainStepMs)) };
    });
    lines.push('| backend | parameters | forward ms | train step ms | per round: train step ms (load) | peak tensor MiB | WASM heap MiB | leaked tensors per step |', '|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      const perRound = r.perRound.map((x) => `${fmt(x.trainStepMs)} (${fmt(x.load, 1)})`).join(', ');
      lines.push(`| ${r.backend} | ${r.params} | ${fmt(r.forwardMs)} | ${fmt(r.trainStepMs)} | ${perRound} | ${r.peakBytes ? mib(r.peakBytes) : '—'} | ${r.heapBytes ? mib(r.heapBytes) : '—'} | ${r.leakedTensors} |`);
    }
    if (torch.rounds.length === 0) {
      lines.push('', `PyTorch reference: ${torch.python.unavailable ?? 'not run'}.`);
      continue;
    }
    for (const threads of torchThreads) {
      const run = torchBest(torch, spec.id, threads);
      const perRound = torch.rounds.filter((r) => r.threads === threads).map((r) => `${fmt(r.byNet[spec.id]?.trainStepMs)} (${fmt(r.load, 1)})`).join(', ');
      lines.push(`| PyTorch ${run.torch} CPU, ${plural(threads, 'thread')}, dropout ${run.dropout} | ${run.params} | ${fmt(run.forwardMs)} | ${fmt(run.trainStepMs)} | ${perRound} | — | — | — |`);
    }
    const ratios = rows
      .filter((r) => r.wasm)
      .map((r) => {
        const t = torchBest(torch, spec.id, r.threads);
        if (!t) return undefined;
        const per = (key) => r.perRound.map((x) => x[key] / torchRun(torch, spec.id, r.threads, x.round)?.[key]).filter(Number.isFinite);
        return `- ${r.backend} / PyTorch at ${plural(r.threads, 'thread')}: forward **${fmt(r.forwardMs / t.forwardMs, 2)}×** (rounds ${range(per('forwardMs'))}), train step **${fmt(r.trainStepMs / t.trainStepMs, 2)}×** (rounds ${range(per('trainStepMs'))})`;
      })
      .filter(Boolean);
    if (ratios.length > 0) lines.push('', 'Each wasm row against PyTorch with the same number of threads (targets, issue 25: train step ≤ 0.8× for @cdm/unet, ≤ 1.2× for the reduced U-Net):', '', ...ratios);
    for (const r of rows.filter((x) => x.kernels)) {
      const total = r.kernels.reduce((sum, k) => sum + k.ms, 0);
      lines.push('', `Where a ${r.backend} training step goes (tf.profile: ${fmt(total)} ms of kernel time; a replacement kernel counts as one):`, '');
      lines.push('| kernel | calls | ms | share |', '|---|---|---|---|');
      for (const k of r.kernels.slice(0, 15)) lines.push(`| ${k.kernel} | ${k.calls} | ${fmt(k.ms, 1)} | ${fmt((100 * k.ms) / total, 1)} % |`);
    }
  }
  writeSampling(lines, m.sampling);
  writeMemory(lines, m.rss);
  writeLargestBatches(lines, m.largest);
  writeStartup(lines, m.startup);
  writeThreads(lines, m.threadsResult);
  lines.push('');
  return lines.join('\n');
}

function writeSampling(lines, sampling) {
  if (sampling.rounds.length === 0) return;
  lines.push('', '## Sampling (the demo cascade)', '');
  lines.push(`Time per sampler step of each stage of apps/cli/demo/cascade.json, ${sampling.batch} images, ${sampling.steps} steps after a 2-step warm-up, with each stage's default guidance; classifier-free guidance runs the conditional and unconditional passes as one forward of batch ${2 * sampling.batch} on both sides. cdm: \`cascade.sample\` (native kernels on every core); PyTorch: the same networks (random weights), forward without gradients + guidance + a DDPM update (best of 3). Target (issue 25): ≤ 0.8×.`, '');
  lines.push('| stage | guided | cdm ms/step (per round, load) | PyTorch ms/step (per round) | ratio (best) | ratio per round |', '|---|---|---|---|---|---|');
  const first = sampling.rounds[0];
  first.cdm.forEach((stage, i) => {
    const cdm = sampling.rounds.map((r) => r.cdm[i].stepMs);
    const torch = sampling.rounds.map((r) => r.torch[i]?.stepMs).filter((v) => v !== undefined);
    const cdmText = sampling.rounds.map((r) => `${fmt(r.cdm[i].stepMs, 1)} (${fmt(r.load, 1)})`).join(', ');
    const ratio = torch.length > 0 ? `**${fmt(min(cdm) / min(torch), 2)}×**` : '—';
    const perRound = range(sampling.rounds.map((r) => r.cdm[i].stepMs / r.torch[i]?.stepMs).filter(Number.isFinite));
    lines.push(`| ${stage.name} | ${stage.guided ? 'yes' : 'no'} | ${cdmText} | ${torch.map((v) => fmt(v, 1)).join(', ') || '—'} | ${ratio} | ${perRound} |`);
  });
}

function writeMemory(lines, rss) {
  if (rss === undefined) return;
  lines.push('', '## Memory: peak RSS of a training step', '');
  lines.push(`tiny-32 at batch ${rss.cdm?.batch ?? '?'}: three training steps in a fresh process on each side (cdm: bench/train-rss.mjs on wasm + native kernels; PyTorch: torch_reference.py --mode rss), the process's peak resident set. Load before: ${fmt(rss.load, 1)}. Target (issue 25): cdm ≤ PyTorch.`, '');
  lines.push('| side | peak RSS MiB |', '|---|---|');
  const row = (label, r) => lines.push(`| ${label} | ${r.failed ? `failed: ${r.failed}` : mib(r.peakRssBytes)} |`);
  row('cdm (wasm + native kernels)', rss.cdm);
  row('cdm, gradient checkpointing', rss.cdmCheckpointed);
  if (rss.torch) lines.push(`| PyTorch ${rss.torch.torch}, ${plural(rss.torch.threads, 'thread')} | ${mib(rss.torch.peakRssBytes)} |`);
}

function writeLargestBatches(lines, largest) {
  if (largest === undefined) return;
  lines.push('', '## Largest trainable batch per resolution', '');
  lines.push(`One training step (forward with the config's dropout, backward, Adam) per batch size, each in a fresh process, up the ladder ${largest.ladder.join(', ')} until one fails. cdm runs on wasm + native kernels, whose heap is 32-bit (4 GiB); PyTorch on the machine's memory. Target (issue 25): a 64×64 stage trains at batch 16.`, '');
  lines.push('| preset | resolution | side | largest batch that trained | first batch that failed | peak RSS MiB at the largest |', '|---|---|---|---|---|---|');
  for (const p of largest.table) {
    for (const s of p.sides) {
      const at = s.rows.filter((r) => r.ok).at(-1);
      const failed = s.failedAt === undefined ? `none up to ${largest.ladder.at(-1)}` : `${s.failedAt} (${s.why})`;
      lines.push(`| ${p.preset} | ${p.imageSize}×${p.imageSize} | ${s.side} | ${s.largest ?? '—'} | ${failed} | ${at ? mib(at.peakRssBytes) : '—'} |`);
    }
  }
}

function writeStartup(lines, startup) {
  if (startup === undefined) return;
  lines.push('', '## Start-up: `cdm sample --demo`', '');
  if (startup.missing) {
    lines.push(`Not measured: ${startup.missing}.`);
    return;
  }
  lines.push(
    "Each command end to end in a fresh process (process start, backend, loading the cascade, sampling through both stages at the demo's defaults, writing the grid): `npm start`'s sampling command as the root package.json has it (10 images, one per class; the target of issue 25: under 3 s), and `cdm sample --demo --quiet` at its default 16 images.",
    '',
  );
  lines.push('| command | run | seconds | load before |', '|---|---|---|---|');
  for (const command of startup.commands) command.runs.forEach((r, i) => lines.push(`| ${command.label} | ${i + 1} | ${fmt(r.ms / 1000, 2)} | ${fmt(r.load, 1)} |`));
}

function writeThreads(lines, threadsResult) {
  if (!threadsResult) return;
  lines.push('', '## wasm threads (experimental)', '');
  if (threadsResult.failed) {
    lines.push(`The thread benchmark failed: ${threadsResult.failed}`);
    return;
  }
  const t = threadsResult;
  lines.push(`A 3×3 convolution forward pass, [${t.shape.join(',')}] → 64 channels, on \`wasmBackend({ threads })\` (bench/threads.mjs). Each thread count runs in its own process, alternating, ${t.runs} timed runs each. Load average before: ${t.loadBefore.map((l) => l.toFixed(1)).join(' / ')}, after: ${t.loadAfter.map((l) => l.toFixed(1)).join(' / ')}.`, '');
  lines.push('| threads asked | threads running | median ms | min ms | median of each round | GFLOP/s (median) | process CPU / wall | speed-up (median) |', '|---|---|---|---|---|---|---|---|');
  const base = t.rows[0].medianMs;
  for (const r of t.rows) {
    lines.push(`| ${r.requested} | ${r.threads} | ${fmt(r.medianMs, 1)} | ${fmt(r.minMs, 1)} | ${r.medianPerRound.map((x) => fmt(x, 0)).join(', ')} | ${fmt(r.gflops, 1)} | ${fmt(r.cpuPerWall, 2)} | ${fmt(base / r.medianMs, 2)}× |`);
  }
  const warnings = t.rows.flatMap((r) => r.warnings);
  if (warnings.length > 0) lines.push('', `Warnings: ${warnings.join('; ')}`);
  lines.push('', 'A process CPU / wall ratio below the thread count means the process did not get that many cores: on this machine the kernel schedules each session (autogroup) as one unit, so when other sessions are busy extra threads cannot add CPU time.');
}
