import type { BackendChoice } from './backend-choices';
import type { CascadeInfo } from './cascade-info';
import type { CascadeSource } from './cascade-source';
import { messageOf } from './playground-error';
import { samplerClient, type RunningSample, type SamplerClient, type StartedBackend } from './sampler-client';
import type { StageOutput } from './sampling-controller';
import type { CdmTestHook } from './test-hook';
import { el } from './ui/dom';
import { enlargedView } from './ui/enlarged-view';
import { sampleControls, type SampleControls } from './ui/sample-controls';
import { findPlaygroundDemo } from './demos';
import { sourcePanel } from './ui/source-panel';
import { stageGallery, type StageGallery } from './ui/stage-gallery';
import { statusPanel } from './ui/status-panel';

export interface AppOptions {
  readonly root: HTMLElement;
  readonly backend: BackendChoice;
  readonly hook: CdmTestHook;
  /** Starts a sampling worker (default: the real one). */
  readonly spawn?: () => SamplerClient;
}

/** What is in use: the worker, its backend, and the cascade it holds (if any). */
interface Current {
  readonly client: SamplerClient;
  readonly choice: BackendChoice;
  readonly started: StartedBackend;
  info: CascadeInfo | undefined;
  label: string | undefined;
  source: CascadeSource | undefined;
}

/**
 * The page. Sampling runs in a worker (one per backend: a backend switch starts a new worker and
 * keeps the old one until the new one has loaded the cascade); the main thread only builds controls
 * and draws what the worker sends. Every failure leaves the page usable: a failed switch keeps the
 * old backend (and says so, with the menu set back), a failed load keeps the cascade that was
 * loaded, a failed run re-enables Sample.
 */
export function startApp({ root, backend: initialBackend, hook, spawn = () => samplerClient() }: AppOptions): { load(source: CascadeSource): Promise<void> } {
  const status = statusPanel();
  const enlarged = enlargedView();
  const controlsHost = el('div', { class: 'controls' });
  const galleryHost = el('div', { class: 'gallery-host' });
  const sample = el('button', { id: 'sample', type: 'button', disabled: true, class: 'primary' }, 'Sample');
  const cancel = el('button', { id: 'cancel', type: 'button', disabled: true }, 'Cancel');
  let current: Current | undefined;
  let controls: SampleControls | undefined;
  let gallery: StageGallery | undefined;
  let running: RunningSample | undefined;

  const fail = (text: string) => {
    hook.error = text;
    status.say(text, 'error');
  };
  const sources = sourcePanel(initialBackend, {
    onSource: (next) => void open(current?.choice ?? initialBackend, next),
    onBackend: (next) => void open(next, current?.source ?? { kind: 'demo' }),
  });
  root.append(el('header', {}, el('h1', {}, 'cdm playground'), status.element), sources.element, controlsHost, el('div', { class: 'actions' }, sample, cancel), galleryHost, enlarged.element);

  const settle = () => {
    hook.ready = current?.info !== undefined;
    sample.disabled = !hook.ready;
    sources.setBusy(false);
  };

  const showBackend = ({ backend, device, notice }: StartedBackend) => {
    hook.backend = backend;
    hook.adapter = device;
    hook.notice = notice;
    status.setBackend(`backend: ${backend} (in a worker)${device === undefined ? '' : ` · ${backend === 'webgpu' ? 'adapter' : 'renderer'}: ${device}`}`);
    status.setNotice(notice ?? '');
  };

  /** What is still usable after a failure, for the end of the error message. */
  const stillUsable = () => {
    if (current === undefined) return ''; // nothing started yet: the error itself names the next step
    if (current.info === undefined) return ` Still on ${current.started.backend}: load the demo, a URL or a folder.`;
    return ` Still on ${current.started.backend} with ${current.label ?? 'the previous cascade'} loaded: you can keep sampling.`;
  };

  async function open(choice: BackendChoice, source: CascadeSource): Promise<void> {
    running?.cancel();
    hook.ready = false;
    hook.error = undefined; // a new action: the last error no longer applies
    sample.disabled = true;
    sources.setBusy(true);
    const fresh = current === undefined || current.choice !== choice;
    let client: SamplerClient | undefined;
    let phase: 'start' | 'load' = 'start';
    try {
      let started: StartedBackend;
      if (fresh) {
        status.say(`starting the ${choice} backend…`);
        client = spawn();
        started = await client.start(choice);
        if (current === undefined) {
          // The first backend: keep it even if the load below fails, so another cascade can be loaded.
          current = { client, choice, started, info: undefined, label: undefined, source: undefined };
          showBackend(started);
        }
      } else {
        client = current!.client;
        started = current!.started;
      }
      phase = 'load';
      status.say(`loading ${source.kind === 'demo' ? `the ${findPlaygroundDemo(source.name).name} demo` : source.kind === 'url' ? source.url : source.label}…`);
      hook.download = undefined;
      const loaded = await client.load(source, (progress) => {
        status.setDownload(progress);
        hook.download = { firstTotal: hook.download?.firstTotal ?? progress.total, loaded: progress.loaded, total: progress.total };
      });
      status.setDownload(undefined);
      if (current!.client !== client) {
        current!.client.terminate();
        current = { client, choice, started, info: undefined, label: undefined, source: undefined };
        showBackend(started);
      }
      Object.assign(current!, { info: loaded.info, label: loaded.label, source });
      if (source.kind === 'demo') sources.setDemo(findPlaygroundDemo(source.name).name);
      controls = sampleControls(loaded.info);
      gallery = stageGallery(loaded.info.stages, enlarged);
      controlsHost.replaceChildren(controls.element);
      galleryHost.replaceChildren(gallery.element);
      const stages = loaded.info.stages.map((s) => `${s.name} ${s.resolution}×${s.resolution}`).join(' → ');
      status.say(`loaded ${loaded.info.name ?? loaded.label} (${stages}) in ${(loaded.milliseconds / 1000).toFixed(1)} s. Choose the settings and press Sample.`);
      hook.error = undefined;
      hook.loads += 1;
    } catch (error) {
      status.setDownload(undefined);
      if (client !== undefined && current?.client !== client) client.terminate();
      sources.setBackend(current?.choice ?? choice);
      // A backend that cannot start says so itself ("WebGPU is not available in this browser: …").
      fail(`${phase === 'start' ? '' : 'Could not load the cascade: '}${messageOf(error)}${stillUsable()}`);
    } finally {
      settle();
    }
  }

  sample.addEventListener('click', () => void sampleOnce());
  cancel.addEventListener('click', () => {
    if (running === undefined) return;
    hook.cancelRequestedAt = performance.now();
    hook.stepsAtCancel = hook.steps;
    cancel.disabled = true;
    status.say('cancelling after the current step…', 'warning');
    running.cancel();
  });

  async function sampleOnce(): Promise<void> {
    if (current?.info === undefined || controls === undefined || gallery === undefined) return;
    let settings;
    try {
      settings = controls.read();
    } catch (error) {
      return fail(`${messageOf(error)}. Fix it and press Sample again.`);
    }
    const { info, started } = current;
    const className = settings.classLabel === undefined ? undefined : (info.classNames?.[settings.classLabel] ?? `class ${settings.classLabel}`);
    const shown = gallery;
    const outputs: StageOutput[] = [];
    hook.busy = true;
    hook.error = undefined;
    sample.disabled = true;
    cancel.disabled = false;
    sources.setBusy(true);
    shown.reset(settings.count, { seed: settings.seed, className });
    shown.startStage(0);
    status.say(`sampling ${settings.count} image${settings.count === 1 ? '' : 's'} on ${started.backend}…`);
    const run = current.client.sample(settings, {
      onStep: (event) => {
        hook.steps += 1;
        shown.step(event);
      },
      onPreview: (preview) => {
        shown.showPreview(preview);
        hook.previews += 1;
      },
      onStage: (output) => {
        outputs.push(output);
        shown.showOutput(output);
        shown.startStage(output.stage + 1);
      },
    });
    running = run;
    try {
      const result = await run.done;
      if (result === 'cancelled') {
        shown.stop('cancelled');
        status.say('cancelled. Press Sample to start again.', 'warning');
        hook.cancels += 1;
        hook.cancelLatency = hook.cancelRequestedAt === undefined ? undefined : { milliseconds: performance.now() - hook.cancelRequestedAt, stepsAfter: hook.steps - (hook.stepsAtCancel ?? hook.steps) };
        return;
      }
      const total = result.timings.reduce((a, b) => a + b, 0);
      status.say(`done in ${(total / 1000).toFixed(2)} s (${outputs.map((s) => `${s.stageName} ${(s.milliseconds / 1000).toFixed(2)} s`).join(', ')}) on ${started.backend}.`);
      hook.lastRun = {
        backend: started.backend,
        seed: settings.seed,
        classLabel: settings.classLabel,
        stages: outputs.map(({ stageName, images }) => ({ name: stageName, count: images.count, width: images.width, height: images.height, channels: images.channels, pixels: images.values })),
        timings: result.timings,
      };
      hook.runs += 1;
    } catch (error) {
      shown.stop('stopped');
      fail(`Sampling failed: ${messageOf(error)}. Change the settings and press Sample again.`);
    } finally {
      running = undefined;
      hook.busy = false;
      cancel.disabled = true;
      settle();
      // Cancel (now disabled) or nothing had focus: keep keyboard users on the page's main action.
      if (document.activeElement === null || document.activeElement === document.body || document.activeElement === cancel) sample.focus();
    }
  }

  return { load: (source) => open(initialBackend, source) };
}
