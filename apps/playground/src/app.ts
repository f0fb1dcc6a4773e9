import type { Registries } from '@cdm/core';
import { loadCascade, type LoadedCascade } from '@cdm/cascade';
import { activateBackend, type ActiveBackend, type BackendChoice } from './backend-choice';
import { openSource, type CascadeSource } from './cascade-source';
import { progressStorage } from './progress-storage';
import { importBundledPlugin } from './registries';
import { runSampling } from './sampling-controller';
import type { CdmTestHook } from './test-hook';
import { el } from './ui/dom';
import { sampleControls, type SampleControls } from './ui/sample-controls';
import { sourcePanel } from './ui/source-panel';
import { stageGallery, type StageGallery } from './ui/stage-gallery';
import { statusPanel } from './ui/status-panel';

export interface AppOptions {
  readonly root: HTMLElement;
  readonly registries: Registries;
  readonly backend: BackendChoice;
  readonly hook: CdmTestHook;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The page: picks a backend, loads a cascade (with a download bar), builds the controls from it,
 * and runs sampling with live previews, per-stage results and timings, cancellable at any step.
 */
export function startApp({ root, registries, backend: initialBackend, hook }: AppOptions): { load(source: CascadeSource): Promise<void> } {
  const status = statusPanel();
  const controlsHost = el('div', { class: 'controls' });
  const galleryHost = el('div', { class: 'gallery-host' });
  const sample = el('button', { id: 'sample', type: 'button', disabled: true, class: 'primary' }, 'Sample');
  const cancel = el('button', { id: 'cancel', type: 'button', disabled: true }, 'Cancel');
  let choice = initialBackend;
  let active: ActiveBackend | undefined;
  let activeChoice: BackendChoice | undefined;
  let loaded: LoadedCascade | undefined;
  let source: CascadeSource = { kind: 'demo' };
  let controls: SampleControls | undefined;
  let gallery: StageGallery | undefined;
  let run: AbortController | undefined;
  let loading: AbortController | undefined;

  const fail = (error: unknown) => {
    hook.error = message(error);
    status.say(hook.error, 'error');
  };
  const sources = sourcePanel(initialBackend, {
    onSource: (next) => void load(next),
    onBackend: (next) => {
      choice = next;
      void load(source);
    },
  });
  root.append(el('header', {}, el('h1', {}, 'cdm playground'), status.element), sources.element, controlsHost, el('div', { class: 'actions' }, sample, cancel), galleryHost);

  async function useBackend(): Promise<ActiveBackend> {
    if (active !== undefined && activeChoice === choice) return active;
    status.say(`starting the ${choice} backend…`);
    active = undefined;
    active = await activateBackend(choice, registries.backends);
    activeChoice = choice;
    hook.backend = active.backend.name;
    hook.adapter = active.adapter;
    status.setBackend(`backend: ${active.backend.name}${active.adapter === undefined ? '' : ` · adapter: ${active.adapter}`}`);
    status.setNotice(active.webgpuNotice ?? '');
    return active;
  }

  async function load(next: CascadeSource): Promise<void> {
    run?.abort();
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    hook.ready = false;
    sample.disabled = true;
    sources.setBusy(true);
    try {
      await useBackend();
      loaded?.dispose(); // weights live on the backend they were loaded on: reload after a switch
      loaded = undefined;
      const opened = openSource(next, document.baseURI);
      status.say(`loading ${opened.label}…`);
      const storage = progressStorage(opened.storage, (progress) => status.setDownload(progress));
      const started = performance.now();
      const result = await loadCascade(storage, opened.manifestPath, { registries, importPlugin: importBundledPlugin, signal: controller.signal });
      if (loading !== controller) return result.dispose(); // a newer load started meanwhile
      loaded = result;
      source = next;
      status.setDownload(undefined);
      const { cascade, manifest } = result;
      controls = sampleControls(cascade, manifest, registries.samplers.list());
      gallery = stageGallery(cascade.stages);
      controlsHost.replaceChildren(controls.element);
      galleryHost.replaceChildren(gallery.element);
      const stages = cascade.stages.map((s) => `${s.name} ${s.resolution}×${s.resolution}`).join(' → ');
      status.say(`loaded ${manifest.name ?? opened.label} (${stages}) in ${((performance.now() - started) / 1000).toFixed(1)} s. Choose the settings and press Sample.`);
      hook.error = undefined;
      hook.loads += 1;
      hook.ready = true;
      sample.disabled = false;
    } catch (error) {
      if (loading === controller) {
        status.setDownload(undefined);
        fail(error);
      }
    } finally {
      if (loading === controller) {
        loading = undefined;
        sources.setBusy(false);
      }
    }
  }

  sample.addEventListener('click', () => void sampleOnce());
  cancel.addEventListener('click', () => run?.abort());

  async function sampleOnce(): Promise<void> {
    if (loaded === undefined || controls === undefined || gallery === undefined || active === undefined) return;
    let settings;
    try {
      settings = controls.read();
    } catch (error) {
      return fail(error);
    }
    const controller = new AbortController();
    run = controller;
    hook.busy = true;
    hook.error = undefined;
    sample.disabled = true;
    cancel.disabled = false;
    sources.setBusy(true);
    gallery.reset(settings.count);
    status.say(`sampling ${settings.count} image${settings.count === 1 ? '' : 's'} on ${active.backend.name}…`);
    const shown = gallery;
    try {
      const result = await runSampling(loaded.cascade, settings, {
        signal: controller.signal,
        onPreview: (preview) => {
          shown.showPreview(preview);
          hook.previews += 1;
        },
        onStage: (output) => shown.showOutput(output, settings.seed),
      });
      const total = result.timings.reduce((a, b) => a + b, 0);
      status.say(`done in ${(total / 1000).toFixed(2)} s (${result.stages.map((s) => `${s.stageName} ${(s.milliseconds / 1000).toFixed(2)} s`).join(', ')}) on ${active.backend.name}.`);
      hook.lastRun = {
        backend: active.backend.name,
        seed: settings.seed,
        classLabel: settings.classLabel,
        stages: result.stages.map(({ stageName, images }) => ({ name: stageName, count: images.count, width: images.width, height: images.height, channels: images.channels, pixels: images.values })),
        timings: result.timings,
      };
      hook.runs += 1;
    } catch (error) {
      if (controller.signal.aborted) status.say('cancelled.', 'warning');
      else fail(error);
    } finally {
      run = undefined;
      hook.busy = false;
      sample.disabled = false;
      cancel.disabled = true;
      sources.setBusy(false);
    }
  }

  return { load };
}
