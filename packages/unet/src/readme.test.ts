import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countParameters } from './architecture';
import { countClassifierParameters } from './classifier-architecture';
import { resolveClassifierConfig } from './classifier-config';
import { CLASSIFIER_PRESETS, type ClassifierPresetName } from './classifier-presets';
import { resolveUnetConfig } from './config';
import { UNET_PRESETS, type UnetPresetName } from './presets';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('prints every preset (U-Nets and classifiers) with its computed parameter count', () => {
    const rows = new Map<string, number>();
    for (const match of readme.matchAll(/^\| `([a-z0-9-]+)` \|.*\| ([\d,]+) \|$/gm)) rows.set(match[1]!, Number(match[2]!.replaceAll(',', '')));
    expect([...rows.keys()].sort()).toEqual([...Object.keys(UNET_PRESETS), ...Object.keys(CLASSIFIER_PRESETS)].sort());
    for (const [name, count] of rows) {
      const expected =
        name in CLASSIFIER_PRESETS
          ? countClassifierParameters(resolveClassifierConfig(CLASSIFIER_PRESETS[name as ClassifierPresetName]))
          : countParameters(resolveUnetConfig(UNET_PRESETS[name as UnetPresetName]));
      expect([name, count]).toEqual([name, expected]);
    }
  });
});
