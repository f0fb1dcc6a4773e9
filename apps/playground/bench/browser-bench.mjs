#!/usr/bin/env node
/* global window, document -- page.evaluate callbacks run in the browser */
// Benchmark (not a test): times one cascade sample of the demo cascade in headless Chromium per
// backend (webgpu, webgl, wasm), driving the built playground, and writes the numbers into
// apps/playground/BENCHMARKS.md between the browser-bench markers.
//
//   npm run bench -w @cdm/playground                      # the cascade's default steps, 1 image
//   node bench/browser-bench.mjs --steps 20,10 --images 4 --backends webgl,wasm
//
// Each backend first runs a 2+1-step warm-up (shader compilation, WASM start-up), reported
// separately, then the timed run. Needs /usr/bin/chromium (apt-get install -y chromium) or CHROMIUM_PATH.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumLaunchOptions } from '@cdm/backend-web/testing';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPORT = join(APP_DIR, 'BENCHMARKS.md');
const START = '<!-- browser-bench:start -->';
const END = '<!-- browser-bench:end -->';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,webgl,wasm' },
    steps: { type: 'string' }, // e.g. "50,25"; default: what cascade.json says per stage
    images: { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' },
    'no-write': { type: 'boolean', default: false },
  },
});

if (!existsSync(CHROMIUM_PATH)) {
  console.error(`No Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  process.exit(1);
}

const outDir = mkdtempSync(join(tmpdir(), 'cdm-bench-dist-'));
const profileRoot = mkdtempSync(join(tmpdir(), 'cdm-bench-profile-'));
process.env.NODE_ENV = 'production';
await build({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
const server = await preview({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
const url = server.resolvedUrls.local[0];

const hook = () => window.__cdm;

/** Fills the controls and samples once; returns the page's per-stage timings (ms). */
async function sampleOnce(page, steps, images) {
  await page.fill('#count', String(images));
  await page.fill('#seed', args.seed);
  for (const [i, s] of steps.entries()) if (s !== undefined) await page.fill(`#stage-${i}-steps`, String(s));
  const runs = (await page.evaluate(hook)).runs;
  await page.click('#sample');
  await page.waitForFunction((n) => window.__cdm.runs > n || window.__cdm.error !== undefined, runs, { timeout: 0 });
  const state = await page.evaluate(() => ({ error: window.__cdm.error, timings: window.__cdm.lastRun?.timings }));
  if (state.error !== undefined) throw new Error(state.error);
  return state.timings;
}

const rows = [];
const loadBefore = loadavg()[0];
let browserVersion = '';
let stageNames = [];
let defaultSteps = [];
try {
  for (const backend of args.backends.split(',')) {
    const context = await chromium.launchPersistentContext(mkdtempSync(join(profileRoot, `${backend}-`)), chromiumLaunchOptions(CHROMIUM_PATH));
    try {
      browserVersion = context.browser()?.version() ?? browserVersion;
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${url}?backend=${backend}`);
      await page.waitForFunction(() => window.__cdm?.ready || window.__cdm?.error !== undefined, null, { timeout: 120_000 });
      const ready = await page.evaluate(() => ({ ...window.__cdm, stages: Array.from(document.querySelectorAll('[id^="stage-"][id$="-steps"]'), (e) => e.value), names: Array.from(document.querySelectorAll('.stage h3'), (e) => e.firstChild.textContent.trim()) }));
      if (ready.error !== undefined) throw new Error(`${backend}: ${ready.error}`);
      stageNames = ready.names;
      defaultSteps = ready.stages;
      const steps = args.steps === undefined ? defaultSteps : args.steps.split(',');
      const images = Number(args.images);
      const warmup = await sampleOnce(page, steps.map((_, i) => (i === 0 ? 2 : 1)), images);
      const timings = await sampleOnce(page, steps, images);
      const total = timings.reduce((a, b) => a + b, 0);
      rows.push({ backend, adapter: ready.adapter ?? '—', steps: steps.join(' + '), images, timings, total, warmup: warmup.reduce((a, b) => a + b, 0) });
      console.log(`${backend}: ${timings.map((t) => (t / 1000).toFixed(2)).join(' + ')} s = ${(total / 1000).toFixed(2)} s (steps ${steps.join('+')}, ${images} image(s))`);
    } finally {
      await context.close();
    }
  }
} finally {
  await server.close();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(profileRoot, { recursive: true, force: true });
}

const seconds = (ms) => (ms / 1000).toFixed(2);
const cpu = cpus();
const section = [
  START,
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench -w @cdm/playground\` (bench/browser-bench.mjs): the demo cascade,`,
  `one sample of ${rows[0]?.images ?? 1} image(s), class 0, seed ${args.seed}, the cascade's default sampler settings (DDIM, w = 2 on the base, s = 50 on sr32),`,
  `in headless Chromium ${browserVersion} on ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'} with no GPU (WebGPU and WebGL run on SwiftShader, a CPU implementation).`,
  `1-minute load average ${loadBefore.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (other jobs share the machine, which slows every row). SwiftShader numbers say nothing about a real GPU.`,
  'Time per stage as the page reports it (sampling only: weights already loaded); warm-up = a first 2 + 1-step run on a fresh page (shader compilation, WASM start-up).',
  '',
  `| backend | adapter | steps (${stageNames.join(' + ')}) | ${stageNames.map((n) => `${n} s`).join(' | ')} | total s | warm-up s |`,
  `|---|---|---|${stageNames.map(() => '---:').join('|')}|---:|---:|`,
  ...rows.map((r) => `| ${r.backend} | ${r.adapter} | ${r.steps} | ${r.timings.map(seconds).join(' | ')} | ${seconds(r.total)} | ${seconds(r.warmup)} |`),
  END,
].join('\n');

if (!args['no-write']) {
  const header = '# Playground benchmarks\n\nTime per cascade sample in a real browser, per backend. Regenerate with `npm run bench -w @cdm/playground`.\n\n';
  const current = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : header;
  const updated = current.includes(START) && current.includes(END) ? current.replace(new RegExp(`${START}[\\s\\S]*?${END}`), section) : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(REPORT, updated);
  console.log(`wrote ${REPORT}`);
} else {
  console.log(section);
}
