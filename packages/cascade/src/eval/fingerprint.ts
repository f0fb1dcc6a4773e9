/**
 * A short content hash (FNV-1a, 32 bits, hex) of weight bytes. Feature extractors report it so
 * that cached reference statistics are recomputed when the weights behind an unchanged name change.
 * Not cryptographic: it guards against stale caches, not against tampering.
 */
export function fingerprint(...parts: readonly Uint8Array[]): string {
  let hash = 0x811c9dc5;
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
