import { selectBackend, type Backend, type Registry, type TriedBackend } from '@cdm/core';
import { webgpuAdapterInfo } from '@cdm/backend-web';

/** What the backend menu offers. */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'webgl', 'wasm'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function isBackendChoice(value: string): value is BackendChoice {
  return (BACKEND_CHOICES as readonly string[]).includes(value);
}

/** The backend in use and what the page tells the user about it. */
export interface ActiveBackend {
  readonly backend: Backend;
  /** The WebGPU adapter ("google swiftshader …") when the backend is webgpu. */
  readonly adapter: string | undefined;
  /** Backends passed over on the way (auto), each with why. */
  readonly tried: readonly TriedBackend[];
  /** Set when WebGPU cannot be used here: why, and which backend runs instead. */
  readonly webgpuNotice: string | undefined;
}

/** The adapter's description in one line, e.g. "google swiftshader (fallback adapter)". */
export function describeAdapter(info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean }): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part, i, all) => part !== '' && all.indexOf(part) === i);
  const name = parts.length === 0 ? 'unnamed adapter' : parts.join(' ');
  return info.isFallbackAdapter ? `${name} (fallback adapter)` : name;
}

/**
 * Brings up the chosen backend (for 'auto': WebGPU, else WebGL, else WASM) and says what is in
 * use. Whatever the choice, when WebGPU cannot run here the result carries a notice with the
 * reason, so the page can say so plainly.
 */
export async function activateBackend(choice: BackendChoice, registry: Registry<Backend>): Promise<ActiveBackend> {
  const webgpu = registry.has('webgpu') ? await registry.get('webgpu').isSupported().catch((error: unknown) => ({ supported: false as const, reason: String(error) })) : undefined;
  const { backend, tried } = await selectBackend(choice, registry);
  const adapterInfo = backend.name === 'webgpu' ? await webgpuAdapterInfo() : undefined;
  let webgpuNotice: string | undefined;
  if (webgpu !== undefined && !webgpu.supported) {
    webgpuNotice = `WebGPU is not available in this browser: ${webgpu.reason}. Using ${backend.name} instead.`;
  } else if (choice === 'auto' && backend.name !== 'webgpu') {
    const reason = tried.find((t) => t.name === 'webgpu')?.reason ?? 'it could not be started';
    webgpuNotice = `WebGPU could not be used: ${reason}. Using ${backend.name} instead.`;
  }
  return { backend, adapter: adapterInfo === undefined ? undefined : describeAdapter(adapterInfo), tried, webgpuNotice };
}
