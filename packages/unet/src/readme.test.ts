import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countParameters } from './architecture';
import { resolveUnetConfig } from './config';
import { UNET_PRESETS, type UnetPresetName } from './presets';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('prints every preset with its computed parameter count', () => {
    const rows = new Map<string, number>();
    for (const match of readme.matchAll(/^\| `([a-z0-9-]+)` \|.*\| ([\d,]+) \|$/gm)) rows.set(match[1]!, Number(match[2]!.replaceAll(',', '')));
    expect([...rows.keys()].sort()).toEqual(Object.keys(UNET_PRESETS).sort());
    for (const [name, count] of rows) expect([name, count]).toEqual([name, countParameters(resolveUnetConfig(UNET_PRESETS[name as UnetPresetName]))]);
  });
});
