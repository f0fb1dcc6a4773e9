/**
 * End-to-end: the built playground in headless Chromium (WebGPU on SwiftShader, then WebGL chosen
 * in the page), compared numerically with the same cascade sampled in Node, then reloaded from
 * the Cache API and finally offline. Kept short for a 2-core machine: one image, few steps
 * (WebGPU on SwiftShader takes ~5 s per base step here).
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
import type { CdmTestHook } from '../test-hook';
import { chromiumLaunchOptions } from '@cdm/backend-web/testing';
import { CHROMIUM_MISSING, CHROMIUM_PATH, hasChromium } from './local-chromium';
import { serveStatic, type StaticServer } from './static-server';

const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const DEMO_DIR = fileURLToPath(new URL('../../../cli/demo', import.meta.url));

/** The settings every run uses, in the page and in Node: class 3 ("ring"), seed 7, one image; the rest are the cascade's defaults (DDIM η = 0, w = 2, s = 50). */
const RUN = { classLabel: 3, seed: 7, count: 1 } as const;
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
/** At QUICK steps (ill-conditioned, see above): the base stage, and the 99th percentile of the sr32 differences. */
const QUICK_TOLERANCE = 1e-2;

type Steps = readonly [number, number];

interface PageStage {
  readonly name: string;
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly pixels: number[];
}

type HookWindow = Window & { __cdm: CdmTestHook };
/** Passed to page.evaluate as a whole (it runs in the page, so it must not use anything from this module). */
const hookOf = () => (window as unknown as HookWindow).__cdm;

const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

/** The q-quantile of |a − b| (q = 0.99: 99 % of values differ by less). */
const quantileDifference = (a: ArrayLike<number>, b: ArrayLike<number>, q: number) => {
  const differences = Array.from(a, (x, i) => Math.abs(x - b[i]!)).sort((x, y) => x - y);
  return differences[Math.min(differences.length - 1, Math.floor(q * differences.length))]!;
};

const standardDeviation = (values: readonly number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
};

/** Waits until the page has loaded a cascade on `backend` (or shows an error, which fails the test with it). */
async function waitReady(page: Page, backend: string, loads: number): Promise<CdmTestHook> {
  await page.waitForFunction(([b, n]) => {
    const hook = (window as unknown as HookWindow).__cdm;
    return hook !== undefined && ((hook.ready && hook.backend === b && hook.loads >= n) || hook.error !== undefined);
  }, [backend, loads] as const, { timeout: 60_000 });
  const hook = await page.evaluate(hookOf);
  expect(hook.error).toBeUndefined();
  return hook;
}

/** Sets the controls through the UI, presses Sample and returns every stage's final images. */
async function sampleInPage(page: Page, steps: Steps): Promise<{ backend: string; stages: PageStage[]; previews: number }> {
  await page.selectOption('#class', String(RUN.classLabel));
  await page.fill('#seed', String(RUN.seed));
  await page.fill('#count', String(RUN.count));
  await page.fill('#stage-0-steps', String(steps[0]));
  await page.fill('#stage-1-steps', String(steps[1]));
  const { runs, previews } = await page.evaluate(hookOf);
  await page.click('#sample');
  await page.waitForFunction(
    (n) => {
      const hook = (window as unknown as HookWindow).__cdm;
      return hook.runs > n || hook.error !== undefined;
    },
    runs,
    { timeout: 150_000 },
  );
  const result = await page.evaluate(() => {
    const hook = (window as unknown as HookWindow).__cdm;
    return {
      error: hook.error,
      previews: hook.previews,
      backend: hook.lastRun!.backend,
      stages: hook.lastRun!.stages.map((s) => ({ name: s.name, count: s.count, width: s.width, height: s.height, channels: s.channels, pixels: Array.from(s.pixels) })),
    };
  });
  expect(result.error).toBeUndefined();
  return { backend: result.backend, stages: result.stages, previews: result.previews - previews };
}

/** What the page shows: each stage's finished canvases, their size and how many distinct RGBA values they hold. */
async function shownImages(page: Page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('.stage'), (stage) =>
      Array.from(stage.querySelectorAll<HTMLCanvasElement>('.finals canvas'), (canvas) => {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        const distinct = new Set<number>();
        for (let i = 0; i < data.length; i += 4) distinct.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
        return { width: canvas.width, height: canvas.height, distinctColours: distinct.size };
      }),
    ),
  );
}

/** The same cascade files sampled in Node on tfjs-wasm with the same settings: every stage's output. */
async function sampleInNode(steps: Steps): Promise<Float32Array[]> {
  await wasmBackend().init();
  const { cascade, dispose } = await loadCascade(fsStorage(DEMO_DIR), 'cascade.json', { registries: cascadeRegistries(), importPlugin: importBundledPlugin });
  try {
    const outputs: Float32Array[] = [];
    const { images } = await cascade.sample({
      classLabels: Array.from({ length: RUN.count }, () => RUN.classLabel),
      seed: RUN.seed,
      stages: [{ steps: steps[0] }, { steps: steps[1] }],
      onStage: (_stage, output) => outputs.push(output.dataSync() as Float32Array),
    });
    images.dispose();
    return outputs;
  } finally {
    dispose();
  }
}

function expectImagesLookRight(stages: readonly PageStage[]) {
  expect(stages.map((s) => [s.name, s.count, s.width, s.height, s.channels, s.pixels.length])).toEqual([
    ['base', 1, 16, 16, 3, 16 * 16 * 3],
    ['sr32', 1, 32, 32, 3, 32 * 32 * 3],
  ]);
  for (const stage of stages) {
    expect(stage.pixels.every(Number.isFinite)).toBe(true);
    expect(standardDeviation(stage.pixels)).toBeGreaterThan(0.05); // not a constant image
  }
}

describe.skipIf(!hasChromium())(hasChromium() ? 'playground in headless Chromium (built site, WebGPU and WebGL)' : `skipped: ${CHROMIUM_MISSING}`, () => {
  let outDir: string;
  let profile: string;
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;
  const results: Record<string, PageStage[]> = {};

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'cdm-playground-dist-'));
    profile = mkdtempSync(join(tmpdir(), 'cdm-playground-profile-'));
    // vitest sets NODE_ENV=test, which would make this a development build (no service worker).
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), mode: 'production', logLevel: 'error', build: { outDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    server = await serveStatic(outDir);
    context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions(CHROMIUM_PATH));
    page = context.pages()[0] ?? (await context.newPage());
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const dir of [outDir, profile]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('picks WebGPU on auto, names the SwiftShader adapter, and samples 16×16 then 32×32 images with live previews', async () => {
    await page.goto(server.url);
    const hook = await waitReady(page, 'webgpu', 1);
    expect(hook.adapter).toMatch(/swiftshader/i);
    expect(await page.textContent('#backend-info')).toContain('webgpu');
    expect(await page.isHidden('#notice')).toBe(true); // WebGPU works: no fallback notice
    const run = await sampleInPage(page, QUICK);
    expect(run.backend).toBe('webgpu');
    expectImagesLookRight(run.stages);
    expect(run.previews).toBeGreaterThan(0);
    const shown = await shownImages(page);
    expect(shown.map((stage) => stage.map((c) => [c.width, c.height]))).toEqual([[[16, 16]], [[32, 32]]]);
    expect(shown.flat().every((c) => c.distinctColours > 8)).toBe(true);
    expect(await page.textContent('#stage-1-time')).toMatch(/\d+(\.\d+)? s/);
    results['webgpu quick'] = run.stages;
  }, 170_000);

  it('switches to WebGL from the backend menu, reloads the weights and samples again', async () => {
    await page.selectOption('#backend', 'webgl');
    await waitReady(page, 'webgl', 2);
    for (const [name, steps] of [['webgl quick', QUICK], ['webgl cross-check', CROSS_CHECK]] as const) {
      const run = await sampleInPage(page, steps);
      expect(run.backend).toBe('webgl');
      expectImagesLookRight(run.stages);
      results[name] = run.stages;
    }
  }, 170_000);

  it(`gives the same images as the cascade sampled in Node (tfjs-wasm): max |difference| < ${TOLERANCE} at ${CROSS_CHECK.join('+')} steps`, async () => {
    expect(Object.keys(results)).toEqual(['webgpu quick', 'webgl quick', 'webgl cross-check']);
    const log: string[] = [];
    const [quick, careful] = [await sampleInNode(QUICK), await sampleInNode(CROSS_CHECK)];
    const check = (name: string, stages: readonly PageStage[], reference: readonly Float32Array[], tolerance: (stage: number) => number, measure: (a: number[], b: Float32Array, stage: number) => number) => {
      stages.forEach((stage, i) => {
        const difference = measure(stage.pixels, reference[i]!, i);
        log.push(`${name} ${stage.name}: ${difference.toExponential(2)}`);
        expect(difference, `${name} ${stage.name}`).toBeLessThan(tolerance(i));
      });
    };
    check('webgl cross-check (max)', results['webgl cross-check']!, careful, () => TOLERANCE, (a, b) => maxAbsDifference(a, b));
    for (const name of ['webgpu quick', 'webgl quick']) {
      // At QUICK steps: the base stage by its maximum, sr32 by its 99th percentile (see QUICK_TOLERANCE).
      check(`${name} (max, p99)`, results[name]!, quick, () => QUICK_TOLERANCE, (a, b, i) => (i === 0 ? maxAbsDifference(a, b) : quantileDifference(a, b, 0.99)));
      log.push(`${name} sr32 max: ${maxAbsDifference(results[name]![1]!.pixels, quick[1]!).toExponential(2)} (not asserted)`);
    }
    console.log(`browser vs Node, |difference| in [−1, 1] units: ${log.join('; ')}`);
  }, 120_000);

  it('reads the model files from the Cache API on reload, and loads with the server gone (offline)', async () => {
    const modelRequests = () => [...server.requests].filter(([path]) => path.endsWith('.safetensors'));
    const before = modelRequests();
    expect(before.length).toBeGreaterThan(0);
    expect(before.every(([, count]) => count === 1)).toBe(true); // the WebGL reload already came from the cache
    await page.goto(`${server.url}?backend=webgl`);
    await waitReady(page, 'webgl', 1);
    expect(modelRequests()).toEqual(before);
    await page.waitForFunction(() => (window as unknown as HookWindow).__cdm.offline !== undefined, null, { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as HookWindow).__cdm.offline)).toBe('registered');

    await server.close();
    await page.goto(`${server.url}?backend=webgl`); // served by the service worker from its cache
    await waitReady(page, 'webgl', 1);
    expect(await page.evaluate(() => document.querySelectorAll('#stage-1-steps').length)).toBe(1);
  }, 90_000);
});
