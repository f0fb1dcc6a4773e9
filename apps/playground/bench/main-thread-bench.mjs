#!/usr/bin/env node
/* global window -- page.evaluate callbacks run in the browser */
// Measurement (not a test): how busy the page's main thread is while the sampling worker runs.
// Builds the playground, serves it, and samples the demo cascade --runs times on one backend in
// headless Chromium, printing per run its time, every main-thread long task (PerformanceObserver
// 'longtask', > 50 ms) and the long animation frames over 60 ms with the scripts in them.
//
//   node bench/main-thread-bench.mjs                                   # wasm, 6 runs of 4 images at 25+10 steps
//   node bench/main-thread-bench.mjs --backend webgl --runs 2 --steps 3,2 --images 1
//
// Needs /usr/bin/chromium (apt-get install -y chromium) or CHROMIUM_PATH.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromiumLaunchOptions } from '@cdm/backend-web/testing';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    runs: { type: 'string', default: '6' },
    steps: { type: 'string', default: '25,10' },
    images: { type: 'string', default: '4' },
  },
});
if (!existsSync(CHROMIUM_PATH)) {
  console.error(`No Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  process.exit(1);
}

const outDir = mkdtempSync(join(tmpdir(), 'cdm-main-thread-dist-'));
const profile = mkdtempSync(join(tmpdir(), 'cdm-main-thread-profile-'));
process.env.NODE_ENV = 'production';
await build({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
const server = await preview({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), logLevel: 'error', build: { outDir }, preview: { host: '127.0.0.1', port: 0, open: false } });
const context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions(CHROMIUM_PATH));
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(() => {
    window.__tasks = [];
    window.__frames = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__tasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((list) =>
      list.getEntries().forEach((e) => window.__frames.push({ start: e.startTime, duration: e.duration, scripts: e.scripts.map((s) => `${s.invoker} ${s.duration.toFixed(0)} ms`) })),
    ).observe({ type: 'long-animation-frame', buffered: true });
  });
  await page.goto(`${server.resolvedUrls.local[0]}?backend=${args.backend}`);
  await page.waitForFunction(() => window.__cdm?.ready || window.__cdm?.error !== undefined, null, { timeout: 120_000 });
  const [s0, s1] = args.steps.split(',');
  console.log(`main-thread bench: ${args.backend}, ${args.runs} runs of ${args.images} image(s) at ${args.steps} steps; load average ${loadavg().map((l) => l.toFixed(1)).join(', ')}`);
  for (let r = 0; r < Number(args.runs); r++) {
    await page.fill('#count', args.images);
    await page.fill('#stage-0-steps', s0);
    await page.fill('#stage-1-steps', s1);
    const { runs, from } = await page.evaluate(() => ({ runs: window.__cdm.runs, from: performance.now() }));
    await page.click('#sample');
    await page.waitForFunction((n) => window.__cdm.runs > n || window.__cdm.error !== undefined, runs, { timeout: 0 });
    const { to, error } = await page.evaluate(() => ({ to: performance.now(), error: window.__cdm.error }));
    if (error !== undefined) throw new Error(error);
    const seen = await page.evaluate(
      ([a, b]) => ({
        tasks: window.__tasks.filter((t) => t.start + t.duration >= a && t.start <= b).map((t) => Math.round(t.duration)),
        frames: window.__frames.filter((f) => f.start + f.duration >= a && f.start <= b && f.duration > 60).map((f) => `${Math.round(f.duration)} ms [${f.scripts.join('; ')}]`),
      }),
      [from, to],
    );
    console.log(`run ${r + 1}: ${((to - from) / 1000).toFixed(2)} s; long tasks (ms): [${seen.tasks.join(', ')}]; long animation frames > 60 ms: ${seen.frames.join(', ') || 'none'}`);
  }
} finally {
  await context.close();
  await server.close();
  for (const dir of [outDir, profile]) rmSync(dir, { recursive: true, force: true });
}
