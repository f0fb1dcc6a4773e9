/**
 * Test-only: WebGPU in Node through Dawn (the `webgpu` package), so tfjs-webgpu's code paths run
 * without a browser. Import and await `installDawnGpu()` BEFORE anything imports
 * @tensorflow/tfjs-backend-webgpu: that package registers itself only if `navigator.gpu` exists
 * when it is first imported.
 *
 * Dawn needs a Vulkan loader (libvulkan.so.1) and a Vulkan driver. Debian's `chromium` package
 * ships both (SwiftShader, a CPU Vulkan), which is what this helper uses unless VK_ICD_FILENAMES
 * already names a driver.
 */
import { existsSync } from 'node:fs';
import type * as Webgpu from 'webgpu';

export const CHROMIUM_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;
const RTLD_NOW = 2;
const RTLD_GLOBAL = 256;
const RTLD_NODELETE = 0x1000; // glibc; os.constants.dlopen does not list it

export type DawnSetup = { readonly ok: true; readonly adapter: string } | { readonly ok: false; readonly reason: string };

let setup: Promise<DawnSetup> | undefined;

/**
 * Installs Dawn's WebGPU as `navigator.gpu` and checks that it yields an adapter. Resolves to the
 * adapter's description, or to why not (a message saying what to install); never throws.
 */
export function installDawnGpu(): Promise<DawnSetup> {
  setup ??= install();
  return setup;
}

async function install(): Promise<DawnSetup> {
  if (process.platform !== 'linux') return { ok: false, reason: `the Dawn test setup is written for Linux (this is ${process.platform})` };
  if (process.env.VK_ICD_FILENAMES === undefined) {
    if (!existsSync(SWIFTSHADER_ICD)) {
      return { ok: false, reason: `no Vulkan driver: ${SWIFTSHADER_ICD} is missing — \`apt-get install chromium\` provides the SwiftShader Vulkan driver (or set VK_ICD_FILENAMES to another one)` };
    }
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD; // read by the Vulkan loader when Dawn creates its instance
  }
  const loader = loadVulkanLoader();
  if (loader !== undefined) return { ok: false, reason: loader };

  let webgpu: typeof Webgpu;
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    return { ok: false, reason: `the \`webgpu\` package (Dawn for Node) does not load: ${error instanceof Error ? error.message : String(error)}` };
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (adapter === null) return { ok: false, reason: `Dawn found no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES})` };
  const holder = globalThis as { navigator?: object };
  holder.navigator ??= {};
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
  return { ok: true, adapter: `${adapter.info.vendor} ${adapter.info.architecture} — ${adapter.info.description}` };
}

/**
 * Makes sure `dlopen("libvulkan.so.1")`, which Dawn does, succeeds: the system's loader
 * (Debian `libvulkan1`) if installed, else Chromium's copy, loaded by path and kept resident so
 * that the later lookup by name finds it. Returns why not, or undefined on success.
 */
function loadVulkanLoader(): string | undefined {
  const flags = RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE;
  for (const library of ['libvulkan.so.1', `${CHROMIUM_DIR}/libvulkan.so.1`]) {
    try {
      process.dlopen({ exports: {} }, library, flags);
      return undefined; // not reached: a plain library is not a Node addon
    } catch (error) {
      // dlopen succeeded and the library stays loaded; Node only complains it registers no module.
      if (error instanceof Error && /did not self-register/.test(error.message)) return undefined;
    }
  }
  return 'no Vulkan loader: libvulkan.so.1 is neither installed (`apt-get install libvulkan1`) nor in /usr/lib/chromium (`apt-get install chromium`)';
}
