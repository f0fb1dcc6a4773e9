import { describe, expect, it } from 'vitest';
import { CdmError, errors } from '@cdm/core';
import { pageMessage, playgroundErrors } from './playground-error';

describe('pageMessage', () => {
  it('drops hints meant for Node or npm, keeping the message and the code', () => {
    const noBackend = errors.noBackend('gpu', [{ name: 'wasm', reason: 'not a GPU backend' }], []);
    expect(noBackend.message).toContain('@cdm/backend-node');
    expect(pageMessage(noBackend)).toBe('No backend can serve device "gpu".\nTried:\n  wasm: not a GPU backend [CDM_NO_BACKEND]');
    const plugin = new CdmError('CDM_PLUGIN_FAILED', 'cascade.json: plugins[0]: cannot import "x"', 'Install the package, or give a path to the plugin module');
    expect(pageMessage(plugin)).toBe('cascade.json: plugins[0]: cannot import "x" [CDM_PLUGIN_FAILED]');
  });

  it('keeps every other message as it is', () => {
    const corrupt = errors.safetensorsCorrupt('header length 99 exceeds the file');
    expect(pageMessage(corrupt)).toBe(corrupt.message);
    expect(pageMessage(playgroundErrors.notLoaded())).toBe('No cascade is loaded yet: load the demo, a URL or a folder first.');
    expect(pageMessage('plain')).toBe('plain');
  });
});
