import { errors } from '@cdm/core';

export interface ReadBodyOptions {
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((loaded: number, total: number | undefined) => void) | undefined;
  /** Names the resource in an abort error ("Reading <what>"). */
  readonly what: string;
  /** Stops reading (cancelling the body) once more than `bytes` arrive, and throws `error()`. */
  readonly limit?: { readonly bytes: number; readonly error: () => Error } | undefined;
}

/**
 * The byte count a response announces, or undefined when unknown. A compressed transfer announces
 * the compressed size while the body yields decompressed bytes, so that counts as unknown.
 */
export function announcedLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding !== '' && encoding !== 'identity') return undefined;
  const header = response.headers.get('content-length');
  const length = header === null ? Number.NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/**
 * Reads a response body to the end, calling `onProgress(loaded, total)` as chunks arrive (loaded
 * grows; the last call has loaded === total, with total = loaded when nothing was announced).
 * Aborting `signal` cancels the stream and rejects with CDM_ABORTED.
 */
export async function readBody(response: Response, options: ReadBodyOptions): Promise<Uint8Array> {
  const { signal, onProgress, what, limit } = options;
  if (signal?.aborted) throw errors.aborted(`Reading ${what}`);
  const announced = announcedLength(response);
  const body = response.body;
  if (body === null) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (limit !== undefined && bytes.length > limit.bytes) throw limit.error();
    onProgress?.(bytes.length, bytes.length);
    return bytes;
  }
  const reader = body.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        if (signal?.aborted) throw errors.aborted(`Reading ${what}`);
        throw errors.httpError('GET', what, undefined, `the body broke off after ${loaded} bytes (${error instanceof Error ? error.message : String(error)})`);
      }
      if (signal?.aborted) throw errors.aborted(`Reading ${what}`);
      if (result.done) break;
      chunks.push(result.value);
      loaded += result.value.length;
      if (limit !== undefined && loaded > limit.bytes) {
        void reader.cancel().catch(() => {});
        throw limit.error();
      }
      // A body longer than announced (a misconfigured server) stops claiming a total.
      onProgress?.(loaded, announced !== undefined && loaded <= announced ? announced : undefined);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (announced !== undefined && loaded < announced) {
    throw errors.httpError('GET', what, undefined, `the body ended after ${loaded} of the ${announced} bytes announced (the connection dropped)`);
  }
  if (announced === undefined || loaded !== announced || chunks.length === 0) onProgress?.(loaded, loaded);
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
