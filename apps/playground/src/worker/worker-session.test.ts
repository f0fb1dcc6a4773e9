import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wasmBackend } from '@cdm/backend-node';
import { cascadeRegistries } from '../registries';
import type { WorkerReply } from './protocol';
import { workerSession } from './worker-session';

const DEMO_DIR = fileURLToPath(new URL('../../../cli/demo', import.meta.url));

/** The CLI's demo cascade as a dropped folder: path → Blob. */
function demoFiles(): Map<string, Blob> {
  const files = new Map<string, Blob>();
  for (const entry of readdirSync(DEMO_DIR, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/(cascade|stage|config)\.json$|\.safetensors$/.test(entry.name)) continue;
    const path = relative(DEMO_DIR, join(entry.parentPath, entry.name)).split(sep).join('/');
    // The shapes demo only: not the other demos' folders, nor training runs kept next to it.
    if (path !== 'cascade.json' && !path.startsWith('stages/')) continue;
    files.set(`demo/${path}`, new Blob([readFileSync(join(DEMO_DIR, path))]));
  }
  return files;
}

/** A session on tfjs-wasm (Node) that records its replies; `until` waits for a reply of a type. */
function recordedSession() {
  const replies: WorkerReply[] = [];
  const backend = wasmBackend();
  const session = workerSession({
    registries: cascadeRegistries(),
    post: (reply) => replies.push(reply),
    activate: async () => {
      await backend.init();
      return { backend, device: undefined, notice: undefined };
    },
  });
  const last = (id: number) => replies.filter((r) => r.id === id).at(-1);
  return { session, replies, last };
}

const STEPS = [{ steps: 2 }, { steps: 1 }];

describe('workerSession (in Node, tfjs-wasm, the demo cascade as dropped files)', () => {
  it('starts, loads with a download total known from the start, keeps the cascade after a failed load, samples and cancels', async () => {
    const { session, replies, last } = recordedSession();
    await session.handle({ type: 'start', id: 1, backend: 'wasm' });
    expect(last(1)).toMatchObject({ type: 'started', backend: 'wasm' });

    const files = demoFiles();
    await session.handle({ type: 'load', id: 2, source: { kind: 'files', files, label: 'demo' }, pageUrl: 'http://localhost/' });
    expect(last(2)).toMatchObject({ type: 'loaded', label: 'demo', info: { name: 'shapes', stages: [{ name: 'base', resolution: 16, numTimesteps: 1000 }, { name: 'sr32', resolution: 32 }] } });
    const downloads = replies.flatMap((r) => (r.type === 'download' ? [r.progress] : []));
    const weights = [...files].filter(([path]) => path.endsWith('.safetensors')).reduce((sum, [, blob]) => sum + blob.size, 0);
    expect(downloads[0]!.total).toBeGreaterThanOrEqual(weights); // the weights are counted before they load

    const broken = new Map(files);
    broken.set('demo/stages/base/ema.safetensors', new Blob([new Uint8Array(12)]));
    await session.handle({ type: 'load', id: 3, source: { kind: 'files', files: broken, label: 'broken' }, pageUrl: 'http://localhost/' });
    expect(last(3)).toMatchObject({ type: 'failed' });
    expect((last(3) as { message: string }).message).not.toMatch(/backend-node|npm/);

    await session.handle({ type: 'sample', id: 4, settings: { classLabel: 3, count: 1, seed: 7, stages: STEPS } });
    expect(last(4)).toMatchObject({ type: 'done' }); // the demo loaded before the failed load still samples
    expect(replies.filter((r) => r.id === 4 && r.type === 'step').map((r) => (r.type === 'step' ? [r.event.stage, r.event.step] : []))).toEqual([
      [0, 1],
      [0, 2],
      [1, 1],
    ]);
    expect(replies.filter((r) => r.id === 4 && r.type === 'stage')).toHaveLength(2);

    const cancelled = session.handle({ type: 'sample', id: 5, settings: { classLabel: 3, count: 1, seed: 7, stages: [{ steps: 50 }, { steps: 1 }] } });
    await session.handle({ type: 'cancel', id: 5 });
    await cancelled;
    expect(last(5)).toEqual({ type: 'cancelled', id: 5 });
    expect(replies.filter((r) => r.id === 5 && r.type === 'step').length).toBeLessThanOrEqual(1);
  }, 120_000);

  it('says in the page’s words when nothing is loaded yet', async () => {
    const { session, last } = recordedSession();
    await session.handle({ type: 'sample', id: 1, settings: { classLabel: undefined, count: 1, seed: 0, stages: [] } });
    expect(last(1)).toEqual({ type: 'failed', id: 1, message: 'No cascade is loaded yet: load the demo, a URL or a folder first.' });
  });
});
