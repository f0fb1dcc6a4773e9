import { selectBackend, type Backend, type Registry } from '@cdm/core';
import { probeWebGpu, type WebGpuProbe } from '@cdm/backend-web';
import type { BackendChoice } from './backend-choices';
import { planAutoBackend, slowChoiceNotice, type BackendProbe, type BackendProbes, type WebBackendName } from './backend-ranking';
import { playgroundErrors, messageOf } from './playground-error';
import { SOFTWARE_RENDERER, webglRenderer } from './probe-webgl-renderer';

export { BACKEND_CHOICES, isBackendChoice, type BackendChoice } from './backend-choices';

/** The backend in use and what the page tells the user about it. */
export interface ActiveBackend {
  readonly backend: Backend;
  /** The device it runs on: the WebGPU adapter ("google swiftshader (fallback adapter)") or the WebGL renderer, when known. */
  readonly device: string | undefined;
  /** One line when the choice was not the obvious one: why WebGPU (or the chosen backend) is slow or missing, and what runs instead. */
  readonly notice: string | undefined;
}

/** How the browser is asked about its devices (the defaults ask the real browser; tests pass fakes). */
export interface DeviceQueries {
  webgpuAdapter(): Promise<WebGpuProbe>;
  webglRenderer(): string | undefined;
}

const browserQueries: DeviceQueries = { webgpuAdapter: () => probeWebGpu(), webglRenderer: () => webglRenderer() };

/** The adapter's description in one line, e.g. "google swiftshader (fallback adapter)". */
export function describeAdapter(info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean }): string {
  const parts = [info.vendor, info.architecture, info.device, info.description].filter((part, i, all) => part !== '' && all.indexOf(part) === i);
  const name = parts.length === 0 ? 'unnamed adapter' : parts.join(' ');
  return info.isFallbackAdapter ? `${name} (fallback adapter)` : name;
}

async function supportOf(registry: Registry<Backend>, name: WebBackendName): Promise<{ usable: true } | { usable: false; reason: string }> {
  if (!registry.has(name)) return { usable: false, reason: 'not built into this page' };
  const support = await registry
    .get(name)
    .isSupported()
    .catch((error: unknown) => ({ supported: false as const, reason: messageOf(error) }));
  return support.supported ? { usable: true } : { usable: false, reason: support.reason };
}

/** Asks the browser what each backend would run on: WebGPU's adapter (fallback or not), WebGL's renderer (software or not), WASM. */
export async function probeBackends(registry: Registry<Backend>, queries: DeviceQueries = browserQueries): Promise<BackendProbes> {
  const [gpu, gl, wasm] = await Promise.all([supportOf(registry, 'webgpu'), supportOf(registry, 'webgl'), supportOf(registry, 'wasm')]);
  let webgpu: BackendProbe = gpu.usable ? { usable: false, reason: 'no adapter' } : gpu;
  if (gpu.usable) {
    const probe = await queries.webgpuAdapter();
    webgpu = probe.supported ? { usable: true, software: probe.adapter.isFallbackAdapter || SOFTWARE_RENDERER.test(describeAdapter(probe.adapter)), device: describeAdapter(probe.adapter) } : { usable: false, reason: probe.reason };
  }
  let webgl: BackendProbe = { usable: false, reason: 'not probed' };
  if (gl.usable) {
    const renderer = queries.webglRenderer();
    webgl = { usable: true, software: renderer !== undefined && SOFTWARE_RENDERER.test(renderer), device: renderer ?? 'renderer not named' };
  } else webgl = gl;
  return { webgpu, webgl, wasm: wasm.usable ? { usable: true, software: false, device: 'CPU (XNNPACK)' } : wasm };
}

async function start(name: WebBackendName, registry: Registry<Backend>, probes: BackendProbes): Promise<Backend> {
  const probe = probes[name];
  if (!probe.usable) throw playgroundErrors.backendUnavailable(name, probe.reason);
  try {
    return (await selectBackend(name, registry)).backend;
  } catch (error) {
    throw playgroundErrors.backendFailed(name, messageOf(error));
  }
}

/**
 * Brings up the chosen backend. `auto` prefers a GPU backend on real hardware, then WASM, and
 * passes over GPU backends that run in software (WebGPU's fallback adapter, WebGL on SwiftShader)
 * while WASM is there, saying why in one line. A named backend that cannot run fails with a
 * PlaygroundError that says so in the page's words and names the next step.
 */
export async function activateBackend(choice: BackendChoice, registry: Registry<Backend>, queries: DeviceQueries = browserQueries): Promise<ActiveBackend> {
  const probes = await probeBackends(registry, queries);
  const device = (name: WebBackendName) => {
    const probe = probes[name];
    return probe.usable && name !== 'wasm' ? probe.device : undefined;
  };
  if (choice !== 'auto') {
    const backend = await start(choice, registry, probes);
    return { backend, device: device(choice), notice: slowChoiceNotice(choice, probes) };
  }
  const plan = planAutoBackend(probes);
  const failures: string[] = [];
  for (const name of plan.order) {
    try {
      const backend = await start(name, registry, probes);
      const failed = failures.length === 0 ? '' : ` (${failures.join('; ')})`;
      const notice = plan.notice === undefined && failed === '' ? undefined : `${plan.notice ?? `Using ${name}.`}${failed}`;
      return { backend, device: device(name), notice };
    } catch (error) {
      failures.push(messageOf(error).replace(/\. Choose auto.*$/, ''));
    }
  }
  const unusable = (Object.keys(probes) as WebBackendName[]).flatMap((name) => {
    const probe = probes[name];
    return probe.usable ? [] : [`${name}: ${probe.reason}`];
  });
  throw playgroundErrors.noBackend([...unusable, ...failures]);
}
