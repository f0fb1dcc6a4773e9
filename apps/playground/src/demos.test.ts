import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DEMOS } from '../../cli/src/demo';
import { demoFileGlobs, findPlaygroundDemo, PLAYGROUND_DEMOS } from './demos';

const DEMO_DIR = fileURLToPath(new URL('../../cli/demo/', import.meta.url));

describe('PLAYGROUND_DEMOS', () => {
  it('offers exactly the CLI’s bundled demos, in its order and folders, each with a cascade.json', () => {
    expect(PLAYGROUND_DEMOS.map((d) => [d.name, d.folder])).toEqual(BUNDLED_DEMOS.map((d) => [d.name, d.folder === '' ? '' : `${d.folder}/`]));
    for (const demo of PLAYGROUND_DEMOS) expect(existsSync(`${DEMO_DIR}${demo.folder}cascade.json`), demo.name).toBe(true);
  });

  it('publishes each demo’s cascade.json and stages, and falls back to the first demo for unknown names', () => {
    expect(demoFileGlobs()).toEqual(['cascade.json', 'stages/**', 'fashion/cascade.json', 'fashion/stages/**']);
    expect(findPlaygroundDemo('fashion').folder).toBe('fashion/');
    expect(findPlaygroundDemo(null).name).toBe('shapes');
    expect(findPlaygroundDemo('nope').name).toBe('shapes');
  });
});
