import { errors } from '@cdm/core';

/** Readers for one JSON object's fields that fail with the field's full path (`cascade.json: stages[1].resolution`). */
export interface Fields {
  readonly path: string;
  /** The full path of one of this object's fields. */
  at(key: string): string;
  has(key: string): boolean;
  string(key: string): string;
  optionalString(key: string): string | undefined;
  integer(key: string, min?: number): number;
  optionalInteger(key: string, min?: number): number | undefined;
  optionalNumber(key: string): number | undefined;
  optionalBoolean(key: string): boolean | undefined;
  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined;
  object(key: string): Fields;
  optionalObject(key: string): Fields | undefined;
  array(key: string): unknown[];
  raw(key: string): unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Wraps a parsed JSON value that must be an object, reporting problems under `path`. */
export function fields(value: unknown, path: string, allowed?: readonly string[]): Fields {
  // A path ending in ':' names a file ("cascade.json:"): its fields read "cascade.json: stages".
  const isFile = path.endsWith(':');
  const at = (key: string) => (isFile ? `${path} ${key}` : `${path}.${key}`);
  if (!isObject(value)) throw errors.invalidArgument(isFile ? path.slice(0, -1) : path, 'an object', value);
  if (allowed !== undefined) {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) throw errors.invalidArgument(at(key), `a known field (${allowed.join(', ')})`, key);
    }
  }
  const get = (key: string) => value[key];
  const self: Fields = {
    path,
    at,
    has: (key) => get(key) !== undefined,
    string(key) {
      const v = get(key);
      if (typeof v !== 'string' || v === '') throw errors.invalidArgument(at(key), 'a non-empty string', v);
      return v;
    },
    optionalString: (key) => (get(key) === undefined ? undefined : self.string(key)),
    integer(key, min = 0) {
      const v = get(key);
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw errors.invalidArgument(at(key), `an integer ≥ ${min}`, v);
      return v;
    },
    optionalInteger: (key, min) => (get(key) === undefined ? undefined : self.integer(key, min)),
    optionalNumber(key) {
      const v = get(key);
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.invalidArgument(at(key), 'a finite number', v);
      return v;
    },
    optionalBoolean(key) {
      const v = get(key);
      if (v === undefined) return undefined;
      if (typeof v !== 'boolean') throw errors.invalidArgument(at(key), 'true or false', v);
      return v;
    },
    oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
      const v = get(key);
      if (v === undefined) return undefined;
      if (!values.includes(v as T)) throw errors.invalidArgument(at(key), `one of ${values.map((x) => `"${x}"`).join(', ')}`, v);
      return v as T;
    },
    object: (key) => fields(get(key), at(key)),
    optionalObject: (key) => (get(key) === undefined ? undefined : fields(get(key), at(key))),
    array(key) {
      const v = get(key);
      if (!Array.isArray(v)) throw errors.invalidArgument(at(key), 'an array', v);
      return v;
    },
    raw: get,
  };
  return self;
}
