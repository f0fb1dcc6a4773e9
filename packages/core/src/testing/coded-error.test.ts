import { describe, expect, it } from 'vitest';
import { errors } from '../errors';
import { codedError } from './coded-error';

describe('codedError', () => {
  it('returns the code and message of a thrown or rejected CdmError', async () => {
    expect(await codedError(() => { throw errors.notFound('x.json', 'memory storage'); })).toMatchObject({ code: 'CDM_NOT_FOUND', message: expect.stringContaining('x.json') });
    expect(await codedError(async () => { throw errors.aborted('Reading'); })).toMatchObject({ code: 'CDM_ABORTED' });
  });

  it('fails when nothing is thrown and rethrows other errors', async () => {
    await expect(codedError(() => 1)).rejects.toThrow('expected a CdmError');
    await expect(codedError(() => { throw new TypeError('plain'); })).rejects.toThrow(TypeError);
  });
});
