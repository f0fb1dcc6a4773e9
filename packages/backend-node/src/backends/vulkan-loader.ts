import { CHROMIUM_DIR } from './vulkan-driver';

const RTLD_NOW = 2;
const RTLD_GLOBAL = 256;
const RTLD_NODELETE = 0x1000; // glibc; os.constants.dlopen does not list it

/**
 * Makes `dlopen("libvulkan.so.1")`, which Dawn does, succeed: the library named by
 * CDM_VULKAN_LOADER (a carried copy), else the system's (Debian `libvulkan1`), else Chromium's
 * copy, each loaded by path and kept resident so that Dawn's lookup by name finds it. Returns
 * why none loaded, or undefined on success (and on platforms other than Linux, which need none).
 */
export function loadVulkanLoader(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const flags = RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE;
  const carried = env.CDM_VULKAN_LOADER;
  const libraries = [...(carried ? [carried] : []), 'libvulkan.so.1', `${CHROMIUM_DIR}/libvulkan.so.1`];
  for (const library of libraries) {
    try {
      process.dlopen({ exports: {} }, library, flags);
      return undefined; // not reached: a plain library is not a Node addon
    } catch (error) {
      // dlopen succeeded and the library stays loaded; Node only complains that it registers no module.
      if (error instanceof Error && /did not self-register/.test(error.message)) return undefined;
    }
  }
  return 'no Vulkan loader: libvulkan.so.1 is not installed (`apt-get install libvulkan1`), not in /usr/lib/chromium, and CDM_VULKAN_LOADER names none';
}
