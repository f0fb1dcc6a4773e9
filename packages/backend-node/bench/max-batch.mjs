// The largest batch each side can train per resolution: for every preset, one training step per
// batch size up a ladder, each in a fresh process, until one fails (cdm: CDM_OUT_OF_MEMORY when the
// 4 GiB WASM heap is full; PyTorch: a MemoryError or a killed process). cdm runs plain and with
// @cdm/unet's gradient checkpointing. bench/run.mjs imports largestBatches for BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const TIMEOUT_MS = 600_000;

/** One step in a child: { ok, peakRssBytes } or { ok: false, why }. */
function attempt(command, argv, env) {
  const run = spawnSync(command, argv, { encoding: 'utf8', env, timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  if (run.status === 0) {
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1));
    return { ok: true, peakRssBytes: report.peakRssBytes };
  }
  const text = `${run.stderr ?? ''}${run.error?.message ?? ''}`;
  const why = /CDM_OUT_OF_MEMORY|out of memory|MemoryError|Cannot allocate/i.test(text)
    ? 'out of memory'
    : run.signal
      ? `killed (${run.signal}${run.signal === 'SIGTERM' ? `, over ${TIMEOUT_MS / 1000} s` : ''})`
      : (text.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${run.status}`).slice(0, 160);
  return { ok: false, why };
}

/**
 * For each `{ preset, config }` and each side, climbs `ladder` (ascending batch sizes) and returns
 * { preset, imageSize, sides: [{ side, largest, failedAt, why, rows: [{ batch, ok, peakRssBytes }] }] }.
 * `torch` is `{ python, script, env(threads) }` or undefined (PyTorch skipped).
 */
export function largestBatches({ presets, ladder, torch, say = (t) => console.error(t) }) {
  const trainRss = fileURLToPath(new URL('./train-rss.mjs', import.meta.url));
  const threads = os.cpus().length;
  const sides = [
    { side: 'cdm', run: (p, b) => attempt(process.execPath, [trainRss, '--preset', p.preset, '--batch', String(b), '--steps', '1'], process.env) },
    { side: 'cdm, gradient checkpointing', run: (p, b) => attempt(process.execPath, [trainRss, '--preset', p.preset, '--batch', String(b), '--steps', '1', '--checkpoint', 'yes'], process.env) },
    ...(torch
      ? [{ side: 'PyTorch', run: (p, b) => attempt(torch.python, [torch.script, '--mode', 'rss', '--rss-steps', '1', '--batch', String(b), '--threads', String(threads), '--unet-config', JSON.stringify(p.config)], torch.env(threads)) }]
      : []),
  ];
  return presets.map((p) => ({
    preset: p.preset,
    imageSize: p.config.imageSize,
    load: os.loadavg()[0],
    sides: sides.map(({ side, run }) => {
      const rows = [];
      for (const batch of ladder) {
        say(`  ${p.preset}, ${side}, batch ${batch}…`);
        const result = run(p, batch);
        rows.push({ batch, ...result });
        if (!result.ok) break;
      }
      const failed = rows.find((r) => !r.ok);
      const passed = rows.filter((r) => r.ok);
      return { side, largest: passed.at(-1)?.batch, failedAt: failed?.batch, why: failed?.why, rows };
    }),
  }));
}
