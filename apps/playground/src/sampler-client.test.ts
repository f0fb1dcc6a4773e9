import { describe, expect, it } from 'vitest';
import { samplerClient, type WorkerLike } from './sampler-client';
import type { WorkerReply, WorkerRequest } from './worker/protocol';

/** A worker that records requests and lets the test reply or fail. */
function fakeWorker() {
  const sent: WorkerRequest[] = [];
  const listeners: { message: ((event: MessageEvent<WorkerReply>) => void)[]; error: ((event: ErrorEvent) => void)[] } = { message: [], error: [] };
  let terminated = false;
  const worker: WorkerLike = {
    postMessage: (message) => sent.push(message),
    addEventListener: ((type: 'message' | 'error', listener: never) => listeners[type].push(listener)) as WorkerLike['addEventListener'],
    terminate: () => (terminated = true),
  };
  return {
    worker,
    sent,
    reply: (reply: WorkerReply) => listeners.message.forEach((listener) => listener({ data: reply } as MessageEvent<WorkerReply>)),
    crash: (message: string) => listeners.error.forEach((listener) => listener({ message } as ErrorEvent)),
    get terminated() {
      return terminated;
    },
  };
}

const SETTINGS = { classLabel: 1, count: 1, seed: 0, stages: [] };

describe('samplerClient', () => {
  it('settles a request with its reply and rejects on the worker’s failure message', async () => {
    const fake = fakeWorker();
    const client = samplerClient(fake.worker);
    const started = client.start('auto');
    fake.reply({ type: 'started', id: fake.sent[0]!.id, backend: 'wasm', device: undefined, notice: 'why' });
    await expect(started).resolves.toEqual({ backend: 'wasm', device: undefined, notice: 'why' });
    const failing = client.start('webgpu');
    fake.reply({ type: 'failed', id: fake.sent[1]!.id, message: 'WebGPU is not available in this browser' });
    await expect(failing).rejects.toThrow('WebGPU is not available in this browser');
  });

  it('streams steps to a run, cancels it by id, and settles it as cancelled', async () => {
    const fake = fakeWorker();
    const client = samplerClient(fake.worker);
    const steps: number[] = [];
    const run = client.sample(SETTINGS, { onStep: (event) => steps.push(event.step) });
    const id = fake.sent[0]!.id;
    fake.reply({ type: 'step', id, event: { stage: 0, step: 1, totalSteps: 5 } });
    fake.reply({ type: 'step', id: id + 99, event: { stage: 0, step: 9, totalSteps: 5 } }); // another request's: ignored
    run.cancel();
    expect(fake.sent[1]).toEqual({ type: 'cancel', id });
    fake.reply({ type: 'cancelled', id });
    await expect(run.done).resolves.toBe('cancelled');
    expect(steps).toEqual([1]);
  });

  it('rejects every pending request when the worker’s script does not load, and later ones at once', async () => {
    const fake = fakeWorker();
    const client = samplerClient(fake.worker);
    const run = client.sample(SETTINGS, {});
    fake.crash('');
    await expect(run.done).rejects.toThrow('The sampling worker stopped: its script could not be loaded (offline, and not cached yet?). Reload the page.');
    await expect(client.start('wasm')).rejects.toThrow(/sampling worker stopped/);
    client.terminate();
    expect(fake.terminated).toBe(true);
  });

  it('rejects what is pending on an uncaught error in the worker, but keeps using the worker', async () => {
    const fake = fakeWorker();
    const client = samplerClient(fake.worker);
    const run = client.sample(SETTINGS, {});
    fake.crash('Uncaught RangeError: out of memory');
    await expect(run.done).rejects.toThrow('The sampling worker hit an error: Uncaught RangeError: out of memory. Try again, or choose another backend in the menu.');
    const started = client.start('wasm');
    fake.reply({ type: 'started', id: fake.sent.at(-1)!.id, backend: 'wasm', device: undefined, notice: undefined });
    await expect(started).resolves.toMatchObject({ backend: 'wasm' });
  });
});
