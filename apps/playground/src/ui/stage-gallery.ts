import type { StageInfo } from '../cascade-info';
import { downloadName } from '../download-name';
import type { ImageBatch } from '../pixels';
import type { StageOutput, StagePreview } from '../sampling-controller';
import { formatRemaining, remainingMilliseconds } from '../stage-eta';
import type { StepEvent } from '../worker/protocol';
import { el } from './dom';
import type { EnlargedView } from './enlarged-view';
import { downloadPng, drawGrid, drawImage } from './image-canvas';

/** What a run was asked for, for names of images and files. */
export interface RunSubject {
  readonly seed: number;
  readonly className: string | undefined;
}

export interface StageGallery {
  readonly element: HTMLElement;
  /** Empties every stage's column for a new run of `count` images. */
  reset(count: number, subject: RunSubject): void;
  /** Stage `stage` has begun (its first step may take long on WebGL/WebGPU: shaders compile). */
  startStage(stage: number): void;
  step(event: StepEvent): void;
  showPreview(preview: StagePreview): void;
  showOutput(output: StageOutput): void;
  /** The run stopped (cancelled or failed): unfinished stages say so and their bars empty. */
  stop(why: string): void;
}

interface Column {
  readonly info: StageInfo;
  readonly status: HTMLElement;
  readonly bar: HTMLProgressElement;
  readonly time: HTMLElement;
  readonly previews: HTMLElement;
  readonly finals: HTMLElement;
  readonly grid: HTMLButtonElement;
  startedAt: number | undefined;
  stepTimes: number[];
  finished: boolean;
  lastAnnounced: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
/** The status line (a polite live region) changes at most this often while steps run, so screen readers are not flooded. */
const ANNOUNCE_EVERY_MS = 2000;

/**
 * One column per stage, side by side: a progress bar with the step and the time left, x̂_0 while the
 * stage denoises, then its finished images (click one to enlarge it), a PNG download for each and
 * one for the stage's grid, and the time the stage took.
 */
export function stageGallery(stages: readonly StageInfo[], enlarged: EnlargedView): StageGallery {
  const element = el('div', { class: 'gallery' });
  let subject: RunSubject = { seed: 0, className: undefined };
  let lastOutputs: (ImageBatch | undefined)[] = [];
  const columns: Column[] = stages.map((info, i) => {
    const heading = `stage-${i}-heading`;
    const column: Column = {
      info,
      status: el('span', { class: 'stage-status', id: `stage-${i}-status`, 'aria-live': 'polite' }, 'waiting'),
      bar: el('progress', { id: `stage-${i}-progress`, max: 1, value: 0, 'aria-label': `${info.name} progress` }),
      time: el('span', { class: 'stage-time', id: `stage-${i}-time` }),
      previews: el('div', { class: 'images previews', id: `stage-${i}-previews` }),
      finals: el('div', { class: 'images finals', id: `stage-${i}-finals` }),
      grid: el('button', { type: 'button', class: 'download', id: `stage-${i}-grid`, disabled: true }, `Download ${info.name} grid (PNG)`),
      startedAt: undefined,
      stepTimes: [],
      finished: false,
      lastAnnounced: -Infinity,
    };
    column.grid.addEventListener('click', () => {
      const batch = lastOutputs[i];
      if (batch !== undefined) void downloadPng(drawGrid(batch), downloadName({ stageName: info.name, ...subject, index: undefined }));
    });
    element.append(
      el(
        'section',
        { class: 'stage', 'data-stage': i, 'aria-labelledby': heading },
        el('h3', { id: heading }, `${info.name} `, el('small', {}, `${info.resolution}×${info.resolution}`)),
        el('div', { class: 'stage-meta' }, column.bar, ' ', column.status, ' ', column.time),
        el('h4', {}, 'predicted x̂₀ while denoising'),
        column.previews,
        el('h4', {}, 'result'),
        column.finals,
        column.grid,
      ),
    );
    return column;
  });
  const label = (column: Column, what: string, i: number) => `${column.info.name} ${what} ${i + 1}${subject.className === undefined ? '' : `, ${subject.className}`}, seed ${subject.seed}`;

  return {
    element,
    reset(count, next) {
      subject = next;
      lastOutputs = [];
      columns.forEach((column) => {
        Object.assign(column, { startedAt: undefined, stepTimes: [], finished: false, lastAnnounced: -Infinity });
        column.status.textContent = 'waiting';
        column.bar.value = 0;
        column.time.textContent = '';
        column.grid.disabled = true;
        column.previews.replaceChildren(...Array.from({ length: count }, (_, i) => el('canvas', { class: 'pixelated', role: 'img', 'aria-label': label(column, 'preview', i) })));
        column.finals.replaceChildren();
      });
    },
    startStage(stage) {
      const column = columns[stage];
      if (column === undefined || column.startedAt !== undefined) return;
      column.startedAt = performance.now();
      column.bar.removeAttribute('value'); // indeterminate until the first step is done
      column.status.textContent = 'starting (the first step also prepares the kernels)…';
    },
    step({ stage, step, totalSteps }) {
      const column = columns[stage]!;
      if (column.startedAt === undefined) column.startedAt = performance.now();
      const now = performance.now();
      column.stepTimes.push(now - column.startedAt);
      column.bar.max = totalSteps;
      column.bar.value = step;
      if (now - column.lastAnnounced < ANNOUNCE_EVERY_MS && step < totalSteps) return;
      column.lastAnnounced = now;
      const left = remainingMilliseconds(column.stepTimes, totalSteps);
      column.status.textContent = `step ${step} / ${totalSteps}${left === undefined || step === totalSteps ? '' : ` · ${formatRemaining(left)}`}`;
    },
    showPreview({ stage, images }) {
      Array.from(columns[stage]!.previews.children).forEach((canvas, i) => {
        if (i < images.count) drawImage(canvas as HTMLCanvasElement, images, i);
      });
    },
    showOutput({ stage, stageName, images, milliseconds }) {
      const column = columns[stage]!;
      column.finished = true;
      lastOutputs[stage] = images;
      column.status.textContent = `done in ${seconds(milliseconds)}`;
      column.bar.max = 1;
      column.bar.value = 1;
      column.time.textContent = seconds(milliseconds);
      column.grid.disabled = false;
      const figures = Array.from({ length: images.count }, (_, i) => {
        const name = label(column, 'image', i);
        const fileName = downloadName({ stageName, ...subject, index: i });
        const canvas = el('canvas', { class: 'pixelated final', 'data-index': i, role: 'img', 'aria-label': name });
        drawImage(canvas, images, i);
        // The preview shows the finished image too, so the column does not keep a stale x̂_0.
        const preview = column.previews.children[i] as HTMLCanvasElement | undefined;
        if (preview !== undefined) drawImage(preview, images, i);
        const open = el('button', { type: 'button', class: 'enlarge', 'aria-label': `Enlarge ${name}` }, canvas);
        open.addEventListener('click', () => enlarged.show(canvas, name, fileName));
        const download = el('button', { type: 'button', class: 'download', 'data-file': fileName, 'aria-label': `Download PNG of ${name}` }, 'PNG');
        download.addEventListener('click', () => void downloadPng(canvas, fileName));
        return el('figure', {}, open, download);
      });
      column.finals.replaceChildren(...figures);
    },
    stop(why) {
      for (const column of columns) {
        if (column.finished) continue;
        column.status.textContent = column.startedAt === undefined ? 'waiting' : why;
        column.bar.max = 1;
        column.bar.value = 0;
      }
    },
  };
}
