import { describe, expect, it } from 'vitest';
import { isCdmError } from './errors';
import { createRegistry } from './registry';

interface Greeter {
  readonly name: string;
  greet(): string;
}

describe('createRegistry', () => {
  const hello: Greeter = { name: 'hello', greet: () => 'hi' };
  const bye: Greeter = { name: 'bye', greet: () => 'bye' };

  it('returns what was registered, by name, in registration order', () => {
    const registry = createRegistry<Greeter>({ kind: 'greeter' }).use(hello, bye);
    expect(registry.get('bye').greet()).toBe('bye');
    expect(registry.list()).toEqual(['hello', 'bye']);
    expect(registry.values()).toEqual([hello, bye]);
    expect(registry.has('hello')).toBe(true);
  });

  it('names the kind, the registered names and the hint when a name is unknown', () => {
    const registry = createRegistry<Greeter>({ kind: 'greeter', hint: "import '@x/greeters'" }).use(hello, bye);
    let error: unknown;
    try {
      registry.get('howdy');
    } catch (e) {
      error = e;
    }
    expect(isCdmError(error, 'CDM_UNKNOWN_PLUGIN')).toBe(true);
    expect((error as Error).message).toBe(
      `Unknown greeter "howdy"; registered: hello, bye. import '@x/greeters' [CDM_UNKNOWN_PLUGIN]`,
    );
  });

  it('says "(none)" and suggests registering when empty', () => {
    const registry = createRegistry<Greeter>({ kind: 'greeter' });
    expect(() => registry.get('x')).toThrow(/registered: \(none\)\. Did you import and register/);
  });

  it('accepts the same object twice but refuses a different one under a taken name', () => {
    const registry = createRegistry<Greeter>({ kind: 'greeter' }).use(hello);
    expect(() => registry.use(hello)).not.toThrow();
    const impostor: Greeter = { name: 'hello', greet: () => 'boo' };
    expect(() => registry.use(impostor)).toThrow(expect.objectContaining({ code: 'CDM_DUPLICATE_PLUGIN' }));
    registry.override(impostor);
    expect(registry.get('hello').greet()).toBe('boo');
    expect(registry.remove('hello')).toBe(true);
    expect(registry.list()).toEqual([]);
  });

  it('rejects plugins without a name', () => {
    const registry = createRegistry<Greeter>({ kind: 'greeter' });
    expect(() => registry.use({ name: '', greet: () => '' })).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
  });
});
