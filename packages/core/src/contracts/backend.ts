/**
 * Whether a backend can run here, and if not, why and what to install. A supported backend with
 * `byNameOnly` runs when asked for by name but is passed over by the device classes ('auto',
 * 'gpu', 'cpu'), with that text as the reason (e.g. WebGPU on a software adapter).
 */
export type BackendSupport =
  | { readonly supported: true; readonly byNameOnly?: string }
  | { readonly supported: false; readonly reason: string; readonly install?: string };

export interface BackendCapabilities {
  /** Gradient kernels for a full training step are available. */
  readonly training: boolean;
  /** Runs on a GPU (or other accelerator). */
  readonly gpu: boolean;
  /** Only asynchronous reads (`await t.data()`) work; `dataSync()` may throw. */
  readonly asyncReadsOnly: boolean;
}

/**
 * A tfjs backend plus how to bring it up, as a plugin. Backends are tried from the highest
 * `priority` down; `init()` registers the engine with tfjs and makes it current.
 */
export interface Backend {
  /** The plugin's name, what a user asks for (`selectBackend('wasm')`, `--backend tfjs-cpu`). */
  readonly name: string;
  /**
   * The tfjs backend that `init()` makes current, i.e. `tf.getBackend()` afterwards. Often equal to
   * `name`; it differs where plugins share an engine (tensorflow-cuda runs tfjs' "tensorflow") or
   * where the engine's own name is a device class (tfjs' "cpu" is the plugin "tfjs-cpu").
   */
  readonly engine: string;
  readonly priority: number;
  readonly capabilities: BackendCapabilities;
  /** Cheap and side-effect free: may look for packages or devices, never initialises them. */
  isSupported(): Promise<BackendSupport>;
  /** Registers and activates the tfjs backend; idempotent. */
  init(): Promise<void>;
}

/** The device names a user may ask for; any other string names a backend. */
export const DEVICES = ['auto', 'gpu', 'cpu'] as const;
export type Device = (typeof DEVICES)[number] | (string & {});
