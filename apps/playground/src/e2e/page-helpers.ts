/** Helpers the end-to-end test uses to drive the playground page (they run in Node; the callbacks passed to page.evaluate run in the page). */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { CdmTestHook } from '../test-hook';

export type HookWindow = Window & { __cdm: CdmTestHook; __longTasks: { start: number; duration: number }[] };
/** Passed to page.evaluate as a whole (it runs in the page, so it must not use anything from this module). */
export const hookOf = () => (window as unknown as HookWindow).__cdm;

export interface PageStage {
  readonly name: string;
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly pixels: number[];
}

export interface RunSettings {
  readonly classLabel: number;
  readonly seed: number;
  readonly count: number;
  readonly steps: readonly [number | string, number | string];
  /** Each stage's sampler; the cascade's defaults where left out. */
  readonly samplers?: readonly [string, string];
}

/** Records every main-thread long task (PerformanceObserver 'longtask') from the page's first script on: add before page.goto. */
export async function recordLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const tasks: { start: number; duration: number }[] = [];
    (window as unknown as HookWindow).__longTasks = tasks;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

/** The main thread's long tasks (ms) that overlap [from, to] (performance.now() times in the page). */
export async function longTasksBetween(page: Page, from: number, to: number): Promise<number[]> {
  return page.evaluate(([a, b]) => (window as unknown as HookWindow).__longTasks.filter((t) => t.start + t.duration >= a && t.start <= b).map((t) => t.duration), [from, to] as const);
}

/** Waits until the page has loaded a cascade on `backend` (or shows an error, which fails the test with it). */
export async function waitReady(page: Page, backend: string, loads: number, timeout = 90_000): Promise<CdmTestHook> {
  await page.waitForFunction(
    ([b, n]) => {
      const hook = (window as unknown as HookWindow).__cdm;
      return hook !== undefined && ((hook.ready && hook.backend === b && hook.loads >= n) || hook.error !== undefined);
    },
    [backend, loads] as const,
    { timeout },
  );
  const hook = await page.evaluate(hookOf);
  expect(hook.error).toBeUndefined();
  return hook;
}

/** Sets the controls through the UI. */
export async function fillSettings(page: Page, run: RunSettings): Promise<void> {
  await page.selectOption('#class', String(run.classLabel));
  await page.fill('#seed', String(run.seed));
  await page.fill('#count', String(run.count));
  await page.fill('#stage-0-steps', String(run.steps[0]));
  await page.fill('#stage-1-steps', String(run.steps[1]));
  if (run.samplers !== undefined) {
    await page.selectOption('#stage-0-sampler', run.samplers[0]);
    await page.selectOption('#stage-1-sampler', run.samplers[1]);
  }
}

/** Sets the controls, presses Sample and returns every stage's final images, with the run's start and end in page time. */
export async function sampleInPage(page: Page, run: RunSettings, timeout = 150_000): Promise<{ backend: string; stages: PageStage[]; previews: number; started: number; ended: number }> {
  await fillSettings(page, run);
  const { runs, previews } = await page.evaluate(hookOf);
  const started = await page.evaluate(() => performance.now());
  await page.click('#sample');
  await page.waitForFunction(
    (n) => {
      const hook = (window as unknown as HookWindow).__cdm;
      return hook.runs > n || hook.error !== undefined;
    },
    runs,
    { timeout },
  );
  const result = await page.evaluate(() => {
    const hook = (window as unknown as HookWindow).__cdm;
    return {
      ended: performance.now(),
      error: hook.error,
      previews: hook.previews,
      backend: hook.lastRun!.backend,
      stages: hook.lastRun!.stages.map((s) => ({ name: s.name, count: s.count, width: s.width, height: s.height, channels: s.channels, pixels: Array.from(s.pixels) })),
    };
  });
  expect(result.error).toBeUndefined();
  return { backend: result.backend, stages: result.stages, previews: result.previews - previews, started, ended: result.ended };
}

/** What the page shows: each stage's finished canvases, their size and how many distinct RGBA values they hold. */
export async function shownImages(page: Page) {
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

/** WCAG 2.0/2.1 A and AA violations axe-core finds on the page as it is now: "rule: selector" lines. */
export async function axeViolations(page: Page): Promise<string[]> {
  const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: axePath });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const { violations } = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return violations.flatMap((v) => v.nodes.map((node) => `${v.id} (${v.help}): ${node.target.join(' ')}`));
  });
}
