import { DEVICES, type Backend, type BackendSupport, type Device } from '../contracts/backend';
import { errors } from '../errors';
import type { Registry } from '../registry';
import { BACKEND_INSTALL_HINT, backends } from './backend-registry';

export interface SelectBackendOptions {
  /** Call the chosen backend's `init()` (making it tfjs' current backend). Default true. */
  readonly init?: boolean;
}

/** A backend that was passed over, and why. */
export interface TriedBackend {
  name: string;
  reason: string;
}

export interface BackendSelection {
  readonly backend: Backend;
  /** The backends considered before `backend`, in the order they were considered, each with why it was passed over. */
  readonly tried: TriedBackend[];
}

type DeviceClass = (typeof DEVICES)[number];

const isDeviceClass = (device: string): device is DeviceClass => (DEVICES as readonly string[]).includes(device);

/**
 * Picks (and by default initialises) the backend that serves `device`:
 * - `'auto'`: the highest-priority supported backend;
 * - `'gpu'` / `'cpu'`: the highest-priority supported backend with / without `capabilities.gpu`;
 * - any other string: the backend registered under that name.
 * The three class names come first: a backend registered as "cpu" (tfjs' own) is reached through
 * device `'cpu'` only when it is the highest-priority supported CPU backend.
 *
 * For the three device classes, a backend whose `isSupported()` says no (or throws), or says
 * `byNameOnly`, or whose `init()` fails is recorded in `tried` and the next one is tried; equal priorities keep
 * registration order. A named backend that fails `init()` throws that failure.
 * When nothing fits, throws CDM_NO_BACKEND listing each backend with its reason and the
 * `install` suggestions of the unsupported ones.
 */
export async function selectBackend(
  device: Device,
  registry: Registry<Backend> = backends,
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  if (typeof device !== 'string' || device === '') {
    throw errors.invalidArgument('device', `one of ${DEVICES.map((d) => `"${d}"`).join(', ')} or a backend name`, device);
  }
  const init = options.init ?? true;
  const tried: TriedBackend[] = [];
  const install: string[] = [];

  if (!isDeviceClass(device)) {
    if (!registry.has(device)) {
      throw errors.unknownPlugin(
        registry.kind,
        device,
        registry.list(),
        `Ask for a device (${DEVICES.join(', ')}) or a registered backend's name. ${BACKEND_INSTALL_HINT}`,
      );
    }
    const backend = registry.get(device);
    const support = await probe(backend);
    if (!support.supported) {
      throw errors.noBackend(device, [{ name: backend.name, reason: support.reason }], support.install ? [support.install] : []);
    }
    if (init) await initialise(backend);
    return { backend, tried };
  }

  for (const backend of byPriority(registry.values())) {
    const mismatch = classMismatch(backend, device);
    if (mismatch !== undefined) {
      tried.push({ name: backend.name, reason: mismatch });
      continue;
    }
    const support = await probe(backend);
    if (!support.supported) {
      tried.push({ name: backend.name, reason: support.reason });
      if (support.install !== undefined && !install.includes(support.install)) install.push(support.install);
      continue;
    }
    if (support.byNameOnly !== undefined) {
      tried.push({ name: backend.name, reason: `${support.byNameOnly} (used only when asked for by name: "${backend.name}")` });
      continue;
    }
    if (init) {
      try {
        await initialise(backend);
      } catch (error) {
        tried.push({ name: backend.name, reason: (error as Error).message });
        continue;
      }
    }
    return { backend, tried };
  }
  throw errors.noBackend(device, tried, install);
}

/** Highest priority first; `Array.prototype.sort` is stable, so ties keep registration order. */
function byPriority(list: readonly Backend[]): Backend[] {
  return [...list].sort((a, b) => b.priority - a.priority);
}

/** Why `backend` cannot serve the device class at all, or undefined when it can. */
function classMismatch(backend: Backend, device: DeviceClass): string | undefined {
  if (device === 'gpu' && !backend.capabilities.gpu) return 'not a GPU backend';
  if (device === 'cpu' && backend.capabilities.gpu) return 'a GPU backend, and device "cpu" asks for a CPU one';
  return undefined;
}

/** `isSupported()`, with a throw turned into "unsupported" and its message (naming the backend) as the reason. */
async function probe(backend: Backend): Promise<{ supported: true; byNameOnly?: string } | { supported: false; reason: string; install?: string }> {
  let support: BackendSupport;
  try {
    support = await backend.isSupported();
  } catch (error) {
    return { supported: false, reason: errors.pluginFailed('backend', backend.name, 'isSupported', error).message };
  }
  if (support?.supported === true) return typeof support.byNameOnly === 'string' && support.byNameOnly !== '' ? { supported: true, byNameOnly: support.byNameOnly } : { supported: true };
  const reason = typeof support?.reason === 'string' && support.reason !== '' ? support.reason : 'isSupported() gave no reason';
  return typeof support?.install === 'string' ? { supported: false, reason, install: support.install } : { supported: false, reason };
}

async function initialise(backend: Backend): Promise<void> {
  try {
    await backend.init();
  } catch (error) {
    throw errors.pluginFailed('backend', backend.name, 'init', error);
  }
}
