import type { StageSampleParams } from '@cdm/cascade';
import type { StageInfo } from '../cascade-info';
import { formatSteps, parseInteger, parseNumber, parseSteps } from '../parse-inputs';
import { el, field, focusOnError } from './dom';

/** One stage's sampling controls: steps, sampler and η, guidance w (stages with a null class), augmentation level s and hand-over (super-resolution stages). */
export interface StageControls {
  readonly element: HTMLFieldSetElement;
  /** The values as sampling parameters; throws an InputError naming the control that does not parse. */
  read(): StageSampleParams;
}

/**
 * Builds the controls for stage `index`, filled with the stage's defaults from cascade.json.
 * Element ids are `stage-<index>-<field>` (steps, sampler, eta, guidance, aug-level, truncate).
 */
export function stageControls(stage: StageInfo, index: number, samplerNames: readonly string[]): StageControls {
  const id = (name: string) => `stage-${index}-${name}`;
  const d = stage.defaults;
  const steps = el('input', { id: id('steps'), type: 'text', size: 7, value: formatSteps(d.steps), placeholder: 'ddim25' });
  const sampler = el('select', { id: id('sampler') }, ...samplerNames.map((name) => el('option', { value: name, selected: name === d.sampler }, name)));
  const eta = el('input', { id: id('eta'), type: 'number', min: 0, max: 1, step: 0.1, value: d.eta ?? 0 });
  const etaField = field('η', eta, 'DDIM η: 0 = deterministic, 1 = as noisy as DDPM');
  const syncEta = () => (etaField.hidden = sampler.value !== 'ddim');
  sampler.addEventListener('change', syncEta);
  syncEta();

  const fields: HTMLElement[] = [field('steps', steps, `a step count from 1 to ${stage.numTimesteps} (evenly spaced), ddimN (DDIM striding) or trailingN (ending at the last timestep, for the DPM-Solver++ samplers)`), field('sampler', sampler), etaField];
  let guidance: HTMLInputElement | undefined;
  if (stage.hasNullClass) {
    guidance = el('input', { id: id('guidance'), type: 'number', min: 0, step: 0.5, value: d.guidanceScale ?? 1 });
    fields.push(field('guidance w', guidance, 'classifier-free guidance scale (1 = none)'));
  }
  let augLevel: HTMLInputElement | undefined;
  let truncate: HTMLInputElement | undefined;
  if (stage.superResolution !== undefined) {
    augLevel = el('input', { id: id('aug-level'), type: 'number', min: 0, max: stage.numTimesteps - 1, step: 1, value: d.augLevel ?? 0 });
    fields.push(field('aug level s', augLevel, 'conditioning-augmentation level: how much noise the low-resolution input gets (0 = none)'));
    if (stage.superResolution.augmented) {
      truncate = el('input', { id: id('truncate'), type: 'checkbox', checked: d.truncate === true });
      fields.push(field('truncated', truncate, 'truncated hand-over: the previous stage stops at level s and passes z_s on (s must be a level its sampler passes through)'));
    }
  }
  const title = stage.superResolution === undefined ? `${stage.name} · ${stage.resolution}×${stage.resolution}` : `${stage.name} · ${stage.superResolution.lowResolution}→${stage.resolution}`;
  const element = el('fieldset', { class: 'stage-controls' }, el('legend', {}, title), ...fields);
  const label = (name: string) => `${stage.name} ${name}`;
  return {
    element,
    read() {
      const params: { -readonly [K in keyof StageSampleParams]: StageSampleParams[K] } = {
        steps: focusOnError(steps, () => parseSteps(label('steps'), steps.value, stage.numTimesteps)),
        sampler: sampler.value,
      };
      if (sampler.value === 'ddim') params.eta = focusOnError(eta, () => parseNumber(label('η'), eta.value, 0));
      if (guidance !== undefined) params.guidanceScale = focusOnError(guidance, () => parseNumber(label('guidance w'), guidance.value, 0));
      if (augLevel !== undefined) params.augLevel = focusOnError(augLevel, () => parseInteger(label('aug level s'), augLevel.value, 0, stage.numTimesteps - 1));
      if (truncate !== undefined) params.truncate = truncate.checked;
      return params;
    },
  };
}
