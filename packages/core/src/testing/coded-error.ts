import { isCdmError } from '../errors';

/**
 * Runs `fn` (sync or async) and returns the code and message of the CdmError it throws. Fails when
 * it throws nothing, and rethrows any other error, so a test can assert on both fields at once:
 * `expect(await codedError(() => load(...))).toMatchObject({ code: 'CDM_NOT_FOUND' })`.
 */
export async function codedError(fn: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (error) {
    if (isCdmError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a CdmError');
}
