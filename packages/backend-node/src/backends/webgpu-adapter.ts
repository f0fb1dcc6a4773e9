/** What Dawn says about a WebGPU adapter; fields are '' where it says nothing. */
export interface WebGpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** WebGPU's own flag: a reduced or software adapter (Dawn sets it for SwiftShader). */
  readonly isFallbackAdapter: boolean;
  /** Runs on the CPU: a fallback adapter, or a CPU Vulkan (SwiftShader, lavapipe/llvmpipe). */
  readonly software: boolean;
}

/** The parts of GPUAdapterInfo read here (structural, so no WebGPU typings are needed). */
export interface GpuAdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

const SOFTWARE_DRIVERS = /swiftshader|llvmpipe|lavapipe|software/i;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Reads an adapter's info; `software` also catches CPU Vulkan drivers that do not set the fallback flag. */
export function webgpuAdapterInfo(info: GpuAdapterInfoLike): WebGpuAdapterInfo {
  const vendor = text(info.vendor);
  const architecture = text(info.architecture);
  const device = text(info.device);
  const description = text(info.description);
  const isFallbackAdapter = info.isFallbackAdapter === true;
  const software = isFallbackAdapter || SOFTWARE_DRIVERS.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isFallbackAdapter, software };
}

/** One line for people: "nvidia hopper (NVIDIA H100 80GB HBM3)", "google swiftshader (…), fallback adapter". */
export function describeAdapter(adapter: WebGpuAdapterInfo): string {
  const name = [adapter.vendor, adapter.architecture].filter((part) => part !== '').join(' ') || 'unnamed adapter';
  const detail = adapter.description || adapter.device;
  const kind = adapter.isFallbackAdapter ? ', fallback adapter' : adapter.software ? ', software (CPU) driver' : '';
  return `${name}${detail === '' ? '' : ` (${detail})`}${kind}`;
}
