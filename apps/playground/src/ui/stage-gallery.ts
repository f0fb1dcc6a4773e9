import type { Stage } from '@cdm/cascade';
import type { StageOutput, StagePreview } from '../sampling-controller';
import { el } from './dom';
import { downloadPng, drawImage } from './image-canvas';

export interface StageGallery {
  readonly element: HTMLElement;
  /** Empties every stage's column for a new run of `count` images. */
  reset(count: number): void;
  showPreview(preview: StagePreview): void;
  showOutput(output: StageOutput, seed: number): void;
}

interface Column {
  readonly status: HTMLElement;
  readonly time: HTMLElement;
  readonly previews: HTMLElement;
  readonly finals: HTMLElement;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/**
 * One column per stage, side by side: x̂_0 while the stage denoises ("step k / n"), then its
 * finished images with a PNG download button each, and the time the stage took.
 */
export function stageGallery(stages: readonly Stage[]): StageGallery {
  const columns: Column[] = [];
  const element = el('div', { class: 'gallery' });
  stages.forEach((stage, i) => {
    const column: Column = {
      status: el('span', { class: 'stage-status', id: `stage-${i}-status` }, 'waiting'),
      time: el('span', { class: 'stage-time', id: `stage-${i}-time` }),
      previews: el('div', { class: 'images previews', id: `stage-${i}-previews` }),
      finals: el('div', { class: 'images finals', id: `stage-${i}-finals` }),
    };
    columns.push(column);
    element.append(
      el(
        'section',
        { class: 'stage', 'data-stage': i },
        el('h3', {}, `${stage.name} `, el('small', {}, `${stage.resolution}×${stage.resolution}`)),
        el('div', { class: 'stage-meta' }, column.status, ' ', column.time),
        el('h4', {}, 'predicted x̂₀ while denoising'),
        column.previews,
        el('h4', {}, 'result'),
        column.finals,
      ),
    );
  });
  return {
    element,
    reset(count) {
      for (const column of columns) {
        column.status.textContent = 'waiting';
        column.time.textContent = '';
        column.previews.replaceChildren(...Array.from({ length: count }, () => el('canvas', { class: 'pixelated' })));
        column.finals.replaceChildren();
      }
    },
    showPreview({ stage, step, totalSteps, images }) {
      const column = columns[stage]!;
      column.status.textContent = `step ${step} / ${totalSteps}`;
      Array.from(column.previews.children).forEach((canvas, i) => {
        if (i < images.count) drawImage(canvas as HTMLCanvasElement, images, i);
      });
    },
    showOutput({ stage, stageName, images, milliseconds }, seed) {
      const column = columns[stage]!;
      column.status.textContent = 'done';
      column.time.textContent = seconds(milliseconds);
      const figures = Array.from({ length: images.count }, (_, i) => {
        const canvas = el('canvas', { class: 'pixelated final', 'data-index': i });
        drawImage(canvas, images, i);
        // The preview shows the finished image too, so the column does not keep a stale x̂_0.
        const preview = column.previews.children[i] as HTMLCanvasElement | undefined;
        if (preview !== undefined) drawImage(preview, images, i);
        const button = el('button', { type: 'button', class: 'download', title: 'download as PNG' }, 'PNG');
        button.addEventListener('click', () => void downloadPng(canvas, `${stageName}-seed${seed}-${i}.png`));
        return el('figure', {}, canvas, button);
      });
      column.finals.replaceChildren(...figures);
    },
  };
}
