import type { Storage } from '@cdm/core';
import { parseCascadeManifest, type CascadeManifest } from './cascade-manifest';

/** Validates `manifest` (as `loadCascade` will) and writes it as formatted JSON, atomically. */
export async function writeCascadeManifest(storage: Storage, path: string, manifest: CascadeManifest): Promise<void> {
  const checked = parseCascadeManifest(JSON.parse(JSON.stringify(manifest)), path);
  await storage.write(path, new TextEncoder().encode(`${JSON.stringify(checked, null, 2)}\n`));
}
