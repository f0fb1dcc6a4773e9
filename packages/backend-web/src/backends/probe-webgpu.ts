/** The parts of a WebGPU adapter this package reads (structural, so no WebGPU typings are needed). */
interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  readonly isFallbackAdapter?: boolean;
  requestAdapterInfo?(): Promise<GpuAdapterInfoLike>;
}

interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** `navigator.gpu` as far as probing goes. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<GpuAdapterLike | null>;
}

/** What the browser says about the adapter WebGPU would run on; fields are '' where it withholds them. */
export interface WebGpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** A software or otherwise reduced adapter (e.g. SwiftShader), where the browser says so. */
  readonly isFallbackAdapter: boolean;
}

export type WebGpuProbe =
  | { readonly supported: true; readonly adapter: WebGpuAdapterInfo }
  | { readonly supported: false; readonly reason: string };

export interface WebGpuProbeOptions {
  /** Passed to `requestAdapter`; tfjs uses the same preference. Default 'high-performance'. */
  readonly powerPreference?: 'low-power' | 'high-performance';
}

export const MISSING_NAVIGATOR_GPU =
  'navigator.gpu is missing (WebGPU needs Chrome/Edge 113+ or Safari 26 on a secure origin — https or localhost —, or Chromium started with --enable-unsafe-webgpu)';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * Probes WebGPU for real: `gpu` (default `navigator.gpu`) must exist and `requestAdapter()` must
 * return an adapter. Creates no device. Resolves to the adapter's description or to why not.
 */
export async function probeWebGpu(gpu: GpuLike | undefined = currentGpu(), options: WebGpuProbeOptions = {}): Promise<WebGpuProbe> {
  if (gpu === undefined || gpu === null || typeof gpu.requestAdapter !== 'function') return { supported: false, reason: MISSING_NAVIGATOR_GPU };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  } catch (error) {
    return { supported: false, reason: `navigator.gpu.requestAdapter() failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (adapter === null || adapter === undefined) {
    return {
      supported: false,
      reason: 'no WebGPU adapter: navigator.gpu.requestAdapter() returned null (the GPU or its driver is blocklisted, or WebGPU is disabled in this browser)',
    };
  }
  let info: GpuAdapterInfoLike = adapter.info ?? {};
  if (adapter.info === undefined && typeof adapter.requestAdapterInfo === 'function') {
    info = await adapter.requestAdapterInfo().catch(() => ({})); // browsers before `adapter.info` (Chrome < 127)
  }
  return {
    supported: true,
    adapter: {
      vendor: text(info.vendor),
      architecture: text(info.architecture),
      device: text(info.device),
      description: text(info.description),
      isFallbackAdapter: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
    },
  };
}

/**
 * The adapter WebGPU would run on here (vendor, architecture, device, description), or undefined
 * when WebGPU is not available — for showing next to the backend name.
 */
export async function webgpuAdapterInfo(options: WebGpuProbeOptions = {}): Promise<WebGpuAdapterInfo | undefined> {
  const probe = await probeWebGpu(currentGpu(), options);
  return probe.supported ? probe.adapter : undefined;
}

function currentGpu(): GpuLike | undefined {
  const navigator = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return navigator?.gpu ?? undefined;
}
