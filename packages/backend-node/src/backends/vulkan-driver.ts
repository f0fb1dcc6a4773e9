import { existsSync, readdirSync } from 'node:fs';

/** Where Debian's `chromium` package puts its SwiftShader Vulkan driver (a CPU Vulkan) and loader. */
export const CHROMIUM_DIR = '/usr/lib/chromium';
export const SWIFTSHADER_ICD = `${CHROMIUM_DIR}/vk_swiftshader_icd.json`;
/** Where NVIDIA's container toolkit mounts the driver's Vulkan manifest when the system has none. */
export const NVIDIA_CONTAINER_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';
/** The Vulkan loader's own manifest folders (Linux), searched when no variable names a driver. */
export const SYSTEM_ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];

/**
 * One Vulkan driver to try: `icd` is the manifest to put in VK_ICD_FILENAMES, or undefined to
 * leave the loader's own search (the variables as set, or the system folders) alone.
 */
export interface VulkanDriverCandidate {
  readonly label: string;
  readonly icd: string | undefined;
}

/** What `vulkanDriverCandidates` looks at; tests pass their own. */
export interface VulkanDriverSearch {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly exists?: (path: string) => boolean;
  readonly list?: (dir: string) => readonly string[];
}

const listJson = (dir: string): readonly string[] => {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
};

/**
 * The Vulkan drivers to try, best first: the one the environment names (VK_ICD_FILENAMES or
 * VK_DRIVER_FILES), the system's installed drivers, NVIDIA's container manifest, then Chromium's
 * SwiftShader. Empty when there is none.
 */
export function vulkanDriverCandidates(search: VulkanDriverSearch = {}): VulkanDriverCandidate[] {
  const env = search.env ?? process.env;
  const exists = search.exists ?? existsSync;
  const list = search.list ?? listJson;
  const named = env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES;
  if (named !== undefined && named !== '') return [{ label: `the driver named by the environment (${named})`, icd: undefined }];
  const candidates: VulkanDriverCandidate[] = [];
  const system = SYSTEM_ICD_DIRS.flatMap((dir) => list(dir).map((name) => `${dir}/${name}`));
  if (system.length > 0) candidates.push({ label: `the system's Vulkan drivers (${system.join(', ')})`, icd: undefined });
  if (exists(NVIDIA_CONTAINER_ICD)) candidates.push({ label: `NVIDIA's driver (${NVIDIA_CONTAINER_ICD})`, icd: NVIDIA_CONTAINER_ICD });
  if (exists(SWIFTSHADER_ICD)) candidates.push({ label: `SwiftShader, a CPU Vulkan (${SWIFTSHADER_ICD})`, icd: SWIFTSHADER_ICD });
  return candidates;
}

/** Why no Vulkan driver was found, with what to install. */
export const NO_VULKAN_DRIVER =
  'no Vulkan driver: none installed (/usr/share/vulkan/icd.d is empty), VK_ICD_FILENAMES is unset and Chromium\'s SwiftShader is missing — install the GPU\'s driver, or for a CPU Vulkan `apt-get install chromium` (SwiftShader) or Mesa ≥ 24 `mesa-vulkan-drivers`';
