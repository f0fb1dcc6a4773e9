import { describe, expect, it } from 'vitest';
import { fingerprint } from './fingerprint';

describe('fingerprint', () => {
  it('is FNV-1a 32 (published test vectors) and changes with any byte', () => {
    expect(fingerprint(new Uint8Array())).toBe('811c9dc5');
    expect(fingerprint(new TextEncoder().encode('a'))).toBe('e40c292c');
    expect(fingerprint(new TextEncoder().encode('foobar'))).toBe('bf9cf968');
    expect(fingerprint(new TextEncoder().encode('foo'), new TextEncoder().encode('bar'))).toBe('bf9cf968');
    expect(fingerprint(new Uint8Array([1, 2, 3]))).not.toBe(fingerprint(new Uint8Array([1, 2, 4])));
  });
});
