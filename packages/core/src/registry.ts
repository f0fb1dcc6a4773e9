import { errors } from './errors';

/** Anything a registry can hold: a plain object with a unique `name`. */
export interface Named {
  readonly name: string;
}

export interface RegistryOptions {
  /** What the registry holds, in words, for error messages ("noise schedule"). */
  readonly kind: string;
  /** Extra advice when a name is unknown ("import '@cdm/augment/register'"). */
  readonly hint?: string;
}

/**
 * A typed, explicit registry of plugins by name. Nothing registers itself behind your back:
 * call `use` (or import a package's opt-in `/register` entry, which calls it for you).
 */
export interface Registry<T extends Named> {
  readonly kind: string;
  /** Adds plugins; re-registering the same object is a no-op, a different one with the same name is an error. */
  use(...plugins: readonly T[]): this;
  /** Replaces any plugin of the same name. */
  override(plugin: T): this;
  get(name: string): T;
  has(name: string): boolean;
  /** Registered names, in registration order. */
  list(): string[];
  values(): T[];
  remove(name: string): boolean;
}

export function createRegistry<T extends Named>(options: RegistryOptions): Registry<T> {
  const entries = new Map<string, T>();
  const registry: Registry<T> = {
    kind: options.kind,
    use(...plugins) {
      for (const plugin of plugins) {
        if (plugin == null || typeof plugin.name !== 'string' || plugin.name === '') {
          throw errors.invalidArgument(`${options.kind} plugin`, 'an object with a non-empty string `name`', plugin);
        }
        const existing = entries.get(plugin.name);
        if (existing !== undefined && existing !== plugin) throw errors.duplicatePlugin(options.kind, plugin.name);
        entries.set(plugin.name, plugin);
      }
      return registry;
    },
    override(plugin) {
      entries.set(plugin.name, plugin);
      return registry;
    },
    get(name) {
      const plugin = entries.get(name);
      if (plugin === undefined) throw errors.unknownPlugin(options.kind, name, [...entries.keys()], options.hint);
      return plugin;
    },
    has: (name) => entries.has(name),
    list: () => [...entries.keys()],
    values: () => [...entries.values()],
    remove: (name) => entries.delete(name),
  };
  return registry;
}
