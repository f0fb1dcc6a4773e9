import { describe, expect, it } from 'vitest';
import type { Backend } from '../contracts/backend';
import { backends, createBackendRegistry } from './backend-registry';

const fake: Backend = {
  name: 'fake',
  engine: 'fake',
  priority: 1,
  capabilities: { training: false, gpu: false, asyncReadsOnly: false },
  isSupported: async () => ({ supported: true }),
  init: async () => {},
};

describe('createBackendRegistry', () => {
  it('starts empty and holds backends by name', () => {
    const registry = createBackendRegistry().use(fake);
    expect(registry.kind).toBe('backend');
    expect(registry.get('fake')).toBe(fake);
    expect(createBackendRegistry().list()).toEqual([]);
  });

  it('suggests the backend packages when a name is unknown', () => {
    expect(() => createBackendRegistry().get('webgpu')).toThrow(
      'Unknown backend "webgpu"; registered: (none). Install and register a backend package: ' +
        '@cdm/backend-node (Node) or @cdm/backend-web (browsers), then backends.use(...) [CDM_UNKNOWN_PLUGIN]',
    );
  });

  it('has a default instance that nothing registers into behind your back', () => {
    expect(backends.kind).toBe('backend');
    expect(backends.list()).toEqual([]);
  });
});
