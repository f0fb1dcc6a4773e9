import { describe, expect, it } from 'vitest';
import { findManifest, openSource } from './cascade-source';

describe('findManifest', () => {
  it('picks the cascade.json nearest the top of a dropped folder', () => {
    expect(findManifest(['demo/stages/base/config.json', 'demo/old/cascade.json', 'demo/cascade.json'])).toBe('demo/cascade.json');
    expect(findManifest(['cascade.json', 'stages/base/config.json'])).toBe('cascade.json');
    expect(findManifest(['demo/my-cascade.json', 'demo/stage.json'])).toBeUndefined();
  });
});

describe('openSource', () => {
  it('opens the demos under demo/ of the page, a URL from its folder, and dropped files from memory', async () => {
    const demo = openSource({ kind: 'demo' }, 'http://127.0.0.1:5173/play/index.html?backend=webgl');
    expect([demo.manifestPath, (demo.storage as unknown as { base: string }).base, demo.label]).toEqual(['cascade.json', 'http://127.0.0.1:5173/play/demo/', 'shapes demo']);
    const fashion = openSource({ kind: 'demo', name: 'fashion' }, 'http://127.0.0.1:5173/play/');
    expect([fashion.manifestPath, (fashion.storage as unknown as { base: string }).base, fashion.label]).toEqual(['cascade.json', 'http://127.0.0.1:5173/play/demo/fashion/', 'fashion demo']);
    // A name the site does not serve (a stale ?demo= link) falls back to the first demo.
    expect(openSource({ kind: 'demo', name: 'mnist' }, 'http://127.0.0.1/').label).toBe('shapes demo');
    const url = openSource({ kind: 'url', url: 'models/my%20cascade.json' }, 'http://127.0.0.1:5173/play/');
    expect([url.manifestPath, (url.storage as unknown as { base: string }).base, url.label]).toEqual(['my cascade.json', 'http://127.0.0.1:5173/play/models/', 'http://127.0.0.1:5173/play/models/my%20cascade.json']);
    const files = openSource({ kind: 'files', files: new Map([['demo/cascade.json', new Blob(['{"x":1}'])]]), label: 'demo' }, 'http://127.0.0.1/');
    expect(files.manifestPath).toBe('demo/cascade.json');
    expect(new TextDecoder().decode(await files.storage.read(files.manifestPath))).toBe('{"x":1}');
  });

  it('says what to drop when there is no cascade.json', () => {
    expect(() => openSource({ kind: 'files', files: new Map([['x/a.txt', new Blob([])]]), label: 'x' }, 'http://127.0.0.1/')).toThrow(/no cascade\.json in the dropped files \(1 files from x\)/);
  });
});
