import type { CascadeInfo } from '../cascade-info';
import { parseInteger } from '../parse-inputs';
import type { SampleSettings } from '../sampling-controller';
import { el, field, focusOnError } from './dom';
import { stageControls, type StageControls } from './stage-controls';

/** The most images one run makes (the batch size). */
export const MAX_IMAGES = 16;

export interface SampleControls {
  readonly element: HTMLElement;
  /** The settings the controls describe; throws an InputError naming the control that does not parse. */
  read(): SampleSettings;
}

/**
 * Class (names from cascade.json), seed, number of images, and each stage's controls. Ids: `class`,
 * `seed`, `count`, then `stage-<i>-…` (see stageControls).
 */
export function sampleControls(cascade: CascadeInfo): SampleControls {
  const base = cascade.stages[0]!;
  const numClasses = base.numClasses;
  let classSelect: HTMLSelectElement | undefined;
  if (numClasses !== undefined) {
    const names = Array.from({ length: numClasses }, (_, i) => cascade.classNames?.[i] ?? `class ${i}`);
    classSelect = el('select', { id: 'class' }, ...names.map((name, i) => el('option', { value: i }, `${i} · ${name}`)));
  }
  const seed = el('input', { id: 'seed', type: 'number', min: 0, step: 1, value: 0 });
  const randomSeed = el('button', { type: 'button', id: 'random-seed', title: 'pick a random seed' }, 'random');
  randomSeed.addEventListener('click', () => (seed.value = String(Math.floor(Math.random() * 2 ** 31))));
  const count = el('input', { id: 'count', type: 'number', min: 1, max: MAX_IMAGES, step: 1, value: 2 });
  const stages: StageControls[] = cascade.stages.map((stage, i) => stageControls(stage, i, cascade.samplerNames));
  const element = el(
    'div',
    { class: 'sample-controls' },
    el('div', { class: 'row' }, classSelect === undefined ? null : field('class', classSelect), field('seed', seed), randomSeed, field('images', count)),
    el('div', { class: 'row stages' }, ...stages.map((s) => s.element)),
  );
  return {
    element,
    read() {
      return {
        classLabel: classSelect === undefined ? undefined : Number(classSelect.value),
        seed: focusOnError(seed, () => parseInteger('seed', seed.value, 0, 2 ** 31 - 1)),
        count: focusOnError(count, () => parseInteger('images', count.value, 1, MAX_IMAGES)),
        stages: stages.map((s) => s.read()),
      };
    },
  };
}
