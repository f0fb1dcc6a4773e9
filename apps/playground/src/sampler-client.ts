import type { BackendChoice } from './backend-choices';
import type { CascadeInfo } from './cascade-info';
import type { CascadeSource } from './cascade-source';
import { playgroundErrors, type PlaygroundError } from './playground-error';
import type { DownloadProgress } from './progress-storage';
import type { SampleSettings, StageOutput, StagePreview } from './sampling-controller';
import type { StepEvent, WorkerReply, WorkerRequest } from './worker/protocol';

/** The parts of a Worker the client uses (a fake in unit tests). */
export interface WorkerLike {
  postMessage(message: WorkerRequest): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerReply>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  terminate(): void;
}

export interface StartedBackend {
  readonly backend: string;
  readonly device: string | undefined;
  readonly notice: string | undefined;
}

export interface LoadedInfo {
  readonly info: CascadeInfo;
  readonly label: string;
  readonly milliseconds: number;
}

export interface RunHandlers {
  onStep?(event: StepEvent): void;
  onPreview?(preview: StagePreview): void;
  onStage?(output: StageOutput): void;
}

/** A sampling run in the worker: `done` settles with the per-stage timings, or 'cancelled'. */
export interface RunningSample {
  readonly done: Promise<{ readonly timings: readonly number[] } | 'cancelled'>;
  cancel(): void;
}

/** The page's handle on one sampling worker, which runs one backend. */
export interface SamplerClient {
  start(backend: BackendChoice): Promise<StartedBackend>;
  load(source: CascadeSource, onDownload: (progress: DownloadProgress) => void): Promise<LoadedInfo>;
  sample(settings: SampleSettings, handlers: RunHandlers): RunningSample;
  terminate(): void;
}

interface Pending {
  onReply(reply: WorkerReply): void;
  reject(error: Error): void;
}

/** Starts the sampling worker (a module worker Vite bundles with its own chunks). */
export function spawnSamplingWorker(): WorkerLike {
  return new Worker(new URL('./worker/sampling-worker.ts', import.meta.url), { type: 'module', name: 'cdm-sampling' }) as WorkerLike;
}

/**
 * Talks to a sampling worker with promises: each request gets an id; the worker's replies with that
 * id settle it ('failed' rejects with the worker's message). If the worker's script cannot load
 * (e.g. offline without a cache), every request rejects with PLAYGROUND_WORKER_FAILED; an error
 * nothing in the worker caught rejects the pending ones with PLAYGROUND_WORKER_ERROR.
 */
export function samplerClient(worker: WorkerLike = spawnSamplingWorker()): SamplerClient {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let dead: PlaygroundError | undefined;
  worker.addEventListener('message', (event) => pending.get(event.data.id)?.onReply(event.data));
  worker.addEventListener('error', (event) => {
    // No message: the worker's script did not load (the worker is gone). A message: an error nothing
    // in the worker caught; the worker lives on, but what was pending will not be answered.
    const fatal = typeof event.message !== 'string' || event.message === '';
    const error = fatal ? playgroundErrors.workerFailed('its script could not be loaded (offline, and not cached yet?)') : playgroundErrors.workerError(event.message);
    if (fatal) dead = error;
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  });

  function request<T>(make: (id: number) => WorkerRequest, onReply: (reply: WorkerReply, resolve: (value: T) => void) => void): { id: number; promise: Promise<T> } {
    const id = nextId++;
    const promise = new Promise<T>((resolve, reject) => {
      if (dead !== undefined) return reject(dead);
      const settle = (value: T) => {
        pending.delete(id);
        resolve(value);
      };
      pending.set(id, {
        reject,
        onReply(reply) {
          if (reply.type === 'failed') {
            pending.delete(id);
            reject(new Error(reply.message));
          } else onReply(reply, settle);
        },
      });
      worker.postMessage(make(id));
    });
    return { id, promise };
  }

  return {
    start(backend) {
      return request<StartedBackend>(
        (id) => ({ type: 'start', id, backend }),
        (reply, resolve) => reply.type === 'started' && resolve({ backend: reply.backend, device: reply.device, notice: reply.notice }),
      ).promise;
    },
    load(source, onDownload) {
      return request<LoadedInfo>(
        (id) => ({ type: 'load', id, source, pageUrl: document.baseURI }),
        (reply, resolve) => {
          if (reply.type === 'download') onDownload(reply.progress);
          else if (reply.type === 'loaded') resolve({ info: reply.info, label: reply.label, milliseconds: reply.milliseconds });
        },
      ).promise;
    },
    sample(settings, handlers) {
      const { id, promise } = request<{ timings: readonly number[] } | 'cancelled'>(
        (id) => ({ type: 'sample', id, settings }),
        (reply, resolve) => {
          if (reply.type === 'step') handlers.onStep?.(reply.event);
          else if (reply.type === 'preview') handlers.onPreview?.(reply.preview);
          else if (reply.type === 'stage') handlers.onStage?.(reply.output);
          else if (reply.type === 'done') resolve({ timings: reply.timings });
          else if (reply.type === 'cancelled') resolve('cancelled');
        },
      );
      return { done: promise, cancel: () => worker.postMessage({ type: 'cancel', id }) };
    },
    terminate() {
      dead = playgroundErrors.workerFailed('it was stopped');
      for (const entry of pending.values()) entry.reject(dead);
      pending.clear();
      worker.terminate();
    },
  };
}
