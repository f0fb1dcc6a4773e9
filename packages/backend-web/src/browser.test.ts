// The real-browser run: bundles src/testing/browser/entry.ts (core's backend conformance suite on
// webgpu and webgl, fetchStorage on the real Cache API, canvasCodec) and runs it in headless
// Chromium on SwiftShader, then reports each check here as a test.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ShimResult } from './testing/browser/vitest-shim';
import { chromiumLaunchOptions } from './testing/chromium-flags';
import { CHROMIUM_MISSING, CHROMIUM_PATH, hasChromium } from './testing/local-chromium';
import { startTestServer, type TestServer } from './testing/test-server';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const packagesDir = here('../../');

/** Bundles the page script; 'vitest' becomes the shim and @cdm/* resolve to their sources, as in the root vitest config. */
async function bundle(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [here('./testing/browser/entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace',
        setup(build) {
          build.onResolve({ filter: /^vitest$/ }, () => ({ path: here('./testing/browser/vitest-shim.ts') }));
          build.onResolve({ filter: /^@cdm\// }, (args) => {
            const [, name, sub] = /^@cdm\/([^/]+)(?:\/(.+))?$/.exec(args.path) ?? [];
            const base = join(packagesDir, name ?? '', 'src');
            const file = [join(base, `${sub ?? 'index'}.ts`), join(base, sub ?? '', 'index.ts')].find((f) => existsSync(f));
            return file === undefined ? undefined : { path: file };
          });
        },
      },
    ],
  });
  return result.outputFiles[0]?.text ?? '';
}

type PageOutcome = { results: ShimResult[]; adapter: string } | { error: string };

async function runInChromium(): Promise<{ outcome: PageOutcome; seconds: number; console: string[] }> {
  const script = await bundle();
  let dataRequests = 0;
  const data = Uint8Array.from({ length: 100_000 }, (_, i) => i % 256);
  const server: TestServer = await startTestServer({
    '/': (_q, r) => void r.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>cdm</title><script type="module" src="/bundle.js"></script>'),
    '/bundle.js': (_q, r) => void r.writeHead(200, { 'content-type': 'text/javascript' }).end(script),
    '/files/data.bin': (q, r) => {
      if (q.method === 'GET') dataRequests += 1;
      r.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(data.length) }).end(q.method === 'HEAD' ? undefined : data);
    },
    '/count': (_q, r) => void r.writeHead(200, { 'cache-control': 'no-store' }).end(String(dataRequests)),
  });
  const profile = await mkdtemp(join(tmpdir(), 'cdm-chromium-'));
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(profile, chromiumLaunchOptions(CHROMIUM_PATH));
  const console: string[] = [];
  try {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') console.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));
    const started = performance.now();
    await page.goto(server.url.replace('127.0.0.1', 'localhost')); // localhost is a secure context: WebGPU and the Cache API
    await page.waitForFunction(() => window.cdmResults !== undefined, undefined, { timeout: 240_000, polling: 250 });
    const outcome = (await page.evaluate(() => window.cdmResults)) as PageOutcome;
    return { outcome, seconds: (performance.now() - started) / 1000, console };
  } finally {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

const missing = hasChromium() ? undefined : `${CHROMIUM_MISSING} (Debian's package; Playwright cannot download browsers here), or set CHROMIUM_PATH`;

describe.skipIf(missing !== undefined)(missing === undefined ? 'in headless Chromium' : `in headless Chromium — skipped: ${missing}`, async () => {
  if (missing !== undefined) {
    it("core's backend conformance on webgpu and webgl, fetchStorage on the Cache API, canvasCodec", () => {});
    return;
  }
  let run: Awaited<ReturnType<typeof runInChromium>> | { failure: string };
  try {
    run = await runInChromium();
  } catch (error) {
    run = { failure: error instanceof Error ? error.message : String(error) };
  }
  afterAll(() => {
    if ('seconds' in run && 'results' in run.outcome) {
      const counts = { pass: 0, fail: 0, skip: 0 };
      for (const result of run.outcome.results) counts[result.status] += 1;
      process.stdout.write(`[browser] ${run.outcome.adapter}: ${counts.pass} passed, ${counts.fail} failed, ${counts.skip} skipped in ${run.seconds.toFixed(1)} s\n`);
    }
  });

  const outcome = 'failure' in run ? undefined : run.outcome;
  if (outcome === undefined || 'error' in outcome) {
    const why = outcome === undefined ? (run as { failure: string }).failure : `${outcome.error}\n${(run as { console: string[] }).console.join('\n')}`;
    it('the page ran its checks', () => expect.unreachable(why));
    return;
  }
  const { results, adapter } = outcome;
  it(`WebGPU has an adapter in Chromium (${adapter})`, () => expect(adapter).not.toBe('none'));
  for (const result of results) {
    if (result.status === 'skip') it.skip(result.name, () => {});
    else it(result.name, () => expect(result.status, result.error).toBe('pass'));
  }
});
