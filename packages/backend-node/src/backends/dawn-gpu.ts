import { errors } from '@cdm/core';
import { loadVulkanLoader } from './vulkan-loader';
import { NO_VULKAN_DRIVER, vulkanDriverCandidates, type VulkanDriverCandidate } from './vulkan-driver';
import { webgpuAdapterInfo, type GpuAdapterInfoLike, type WebGpuAdapterInfo } from './webgpu-adapter';

/** `navigator.gpu` as far as this package uses it. */
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{ readonly info?: GpuAdapterInfoLike } | null>;
}

interface WebgpuModule {
  create(flags: string[]): unknown;
  readonly globals: object;
}

/** Dawn with an adapter, or why not. */
export type DawnProbe =
  | { readonly ok: true; readonly adapter: WebGpuAdapterInfo; readonly driver: string }
  | { readonly ok: false; readonly reason: string; readonly install?: string };

interface DawnGpu {
  readonly gpu: GpuLike;
  readonly module: WebgpuModule;
}

const WEBGPU_PACKAGE = 'webgpu';
let probed: Promise<{ probe: DawnProbe; dawn?: DawnGpu }> | undefined;

/**
 * Loads Dawn (the `webgpu` package) on a Vulkan driver and asks for a high-performance adapter,
 * trying the drivers of `vulkanDriverCandidates()` in turn. Once per process; never throws.
 * Creates no device and changes no global but VK_ICD_FILENAMES (read by the Vulkan loader).
 */
export async function probeDawnGpu(): Promise<DawnProbe> {
  probed ??= findAdapter();
  return (await probed).probe;
}

/**
 * Installs Dawn's WebGPU as `navigator.gpu` (and its GPU* constants on globalThis), as
 * @tensorflow/tfjs-backend-webgpu needs before it is imported. Throws CDM_NOT_AVAILABLE saying why
 * and what to install when there is no adapter.
 */
export async function installDawnGpu(): Promise<WebGpuAdapterInfo> {
  probed ??= findAdapter();
  const { probe, dawn } = await probed;
  if (!probe.ok || dawn === undefined) throw errors.notAvailable('WebGPU (Dawn)', probe.ok ? 'Dawn did not load' : probe.reason);
  for (const [key, value] of Object.entries(dawn.module.globals)) {
    if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  }
  const holder = globalThis as { navigator?: object };
  holder.navigator ??= {};
  Object.defineProperty(holder.navigator, 'gpu', { value: dawn.gpu, configurable: true });
  return probe.adapter;
}

async function findAdapter(): Promise<{ probe: DawnProbe; dawn?: DawnGpu }> {
  if (process.platform === 'linux') {
    const loader = loadVulkanLoader();
    if (loader !== undefined) return { probe: { ok: false, reason: loader, install: 'libvulkan1' } };
  }
  let module: WebgpuModule;
  try {
    module = (await import(/* @vite-ignore */ WEBGPU_PACKAGE)) as WebgpuModule;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { probe: { ok: false, reason: `the webgpu package (Dawn for Node) does not load: ${why.split('\n')[0]} — npm i webgpu`, install: WEBGPU_PACKAGE } };
  }
  const candidates: (VulkanDriverCandidate | undefined)[] = process.platform === 'linux' ? vulkanDriverCandidates() : [undefined];
  if (candidates.length === 0) return { probe: { ok: false, reason: NO_VULKAN_DRIVER } };
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (candidate?.icd !== undefined) process.env.VK_ICD_FILENAMES = candidate.icd;
    const label = candidate?.label ?? `the platform's WebGPU (${process.platform})`;
    try {
      const gpu = module.create([]) as GpuLike;
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (adapter !== null) return { probe: { ok: true, adapter: webgpuAdapterInfo(adapter.info ?? {}), driver: label }, dawn: { gpu, module } };
      tried.push(`${label}: no adapter`);
    } catch (error) {
      tried.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (candidate?.icd !== undefined) delete process.env.VK_ICD_FILENAMES;
  }
  return { probe: { ok: false, reason: `Dawn found no WebGPU adapter (tried ${tried.join('; ')})` } };
}
