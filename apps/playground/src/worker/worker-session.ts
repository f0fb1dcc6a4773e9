import type { Registries } from '@cdm/core';
import { loadCascade, type LoadedCascade } from '@cdm/cascade';
import { activateBackend, type ActiveBackend } from '../backend-choice';
import type { BackendChoice } from '../backend-choices';
import { describeCascade } from '../cascade-info';
import { openSource } from '../cascade-source';
import { pageMessage, playgroundErrors } from '../playground-error';
import { progressStorage } from '../progress-storage';
import { importBundledPlugin } from '../registries';
import { runSampling } from '../sampling-controller';
import { expectedWeightSizes } from '../weights-plan';
import type { WorkerReply, WorkerRequest } from './protocol';

export interface WorkerSessionOptions {
  readonly registries: Registries;
  /** Sends a reply to the page, transferring `transfer` (image buffers) instead of copying them. */
  readonly post: (reply: WorkerReply, transfer?: Transferable[]) => void;
  /** Brings up a backend (default activateBackend with the real browser's probes). */
  readonly activate?: (choice: BackendChoice, registries: Registries) => Promise<ActiveBackend>;
}

/**
 * What runs inside the sampling worker: one backend (started once), at most one loaded cascade
 * (replaced only when the next one has loaded, so a failed load keeps the old one usable), and at
 * most one sampling run, cancelled by a 'cancel' message. The sampling loop yields after every
 * step, so a cancel is seen before the next step starts.
 */
export function workerSession({ registries, post, activate = (choice, r) => activateBackend(choice, r.backends) }: WorkerSessionOptions): { handle(request: WorkerRequest): Promise<void> } {
  let active: ActiveBackend | undefined;
  let loaded: LoadedCascade | undefined;
  const runs = new Map<number, AbortController>();
  let loading: AbortController | undefined;

  async function start(id: number, choice: BackendChoice) {
    active ??= await activate(choice, registries);
    post({ type: 'started', id, backend: active.backend.name, device: active.device, notice: active.notice });
  }

  async function load(id: number, request: Extract<WorkerRequest, { type: 'load' }>) {
    if (active === undefined) throw playgroundErrors.backendFailed('the backend', 'it was not started before loading');
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    const opened = openSource(request.source, request.pageUrl);
    const expected = await expectedWeightSizes(opened.storage, opened.manifestPath, (path) => opened.sizeOf(path));
    const storage = progressStorage(opened.storage, (progress) => post({ type: 'download', id, progress }), expected);
    const started = performance.now();
    const result = await loadCascade(storage, opened.manifestPath, { registries, importPlugin: importBundledPlugin, signal: controller.signal });
    if (loading !== controller) return result.dispose(); // a newer load started meanwhile; it replies
    loading = undefined;
    for (const run of runs.values()) run.abort();
    loaded?.dispose();
    loaded = result;
    const info = describeCascade(result.cascade, result.manifest, registries.samplers.list());
    post({ type: 'loaded', id, info, label: opened.label, milliseconds: performance.now() - started });
  }

  async function sample(id: number, request: Extract<WorkerRequest, { type: 'sample' }>) {
    if (loaded === undefined) throw playgroundErrors.notLoaded();
    const controller = new AbortController();
    runs.set(id, controller);
    try {
      const result = await runSampling(loaded.cascade, request.settings, {
        signal: controller.signal,
        onStep: (event) => post({ type: 'step', id, event }),
        onPreview: (preview) => post({ type: 'preview', id, preview }, [preview.images.values.buffer]),
        onStage: (output) => post({ type: 'stage', id, output }, [output.images.values.buffer]),
      });
      post({ type: 'done', id, timings: result.timings });
    } catch (error) {
      if (controller.signal.aborted) post({ type: 'cancelled', id });
      else throw error;
    } finally {
      runs.delete(id);
    }
  }

  return {
    async handle(request) {
      try {
        switch (request.type) {
          case 'start':
            return await start(request.id, request.backend);
          case 'load':
            return await load(request.id, request);
          case 'sample':
            return await sample(request.id, request);
          case 'cancel':
            return runs.get(request.id)?.abort();
        }
      } catch (error) {
        post({ type: 'failed', id: request.id, message: pageMessage(error) });
      }
    },
  };
}
