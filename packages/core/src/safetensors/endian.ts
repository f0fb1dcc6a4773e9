/**
 * Safetensors data is little-endian and typed arrays use the host's byte order. Every current
 * JavaScript host is little-endian, so this is a no-op in practice; on a big-endian host it
 * swaps each element's bytes in place. Applying it twice restores the original bytes.
 */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Converts little-endian elements of `elementSize` bytes to host order in place (or back). */
export function toLittleEndianHost(bytes: Uint8Array, elementSize: number): void {
  if (HOST_IS_LITTLE_ENDIAN || elementSize === 1) return;
  swapBytes(bytes, elementSize);
}

/** Reverses the bytes of each `elementSize`-byte element in place. Exported for tests. */
export function swapBytes(bytes: Uint8Array, elementSize: number): void {
  for (let start = 0; start + elementSize <= bytes.length; start += elementSize) {
    for (let i = start, j = start + elementSize - 1; i < j; i++, j--) {
      const t = bytes[i] as number;
      bytes[i] = bytes[j] as number;
      bytes[j] = t;
    }
  }
}
