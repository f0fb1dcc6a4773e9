import * as tf from '@tensorflow/tfjs-core';

/** The backend tfjs hands a kernel: only `disposeData` is used here. */
export interface KernelBackendLike {
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** Runs another kernel registered for `backendName` on `backend`, straight through its kernel function. */
export type RunKernel = (kernelName: string, inputs: tf.NamedTensorInfoMap, attrs?: tf.NamedAttrMap) => tf.TensorInfo;

/**
 * Builds a kernel's result from other kernels of the same backend without going through the engine
 * (no tensors are created, nothing is recorded on a tape). Every intermediate made with `run` is
 * released when `body` returns, except the result it returns, which the engine then owns.
 * Kernel functions of the original backend can be passed in `originals` (looked up before a
 * replacement kernel was registered under the same name).
 */
export function compose(
  backend: KernelBackendLike,
  backendName: string,
  body: (run: RunKernel) => tf.TensorInfo,
  originals: ReadonlyMap<string, tf.KernelFunc> = new Map(),
): tf.TensorInfo {
  const made: tf.TensorInfo[] = [];
  const run: RunKernel = (kernelName, inputs, attrs = {}) => {
    const kernelFunc = originals.get(kernelName) ?? tf.getKernel(kernelName, backendName)?.kernelFunc;
    if (kernelFunc === undefined) throw new Error(`Kernel '${kernelName}' not registered for backend '${backendName}'`);
    const out = kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs });
    if (Array.isArray(out)) throw new Error(`compose() expects single-output kernels; ${kernelName} returned ${out.length}`);
    made.push(out);
    return out;
  };
  let result: tf.TensorInfo | undefined;
  try {
    result = body(run);
    return result;
  } finally {
    for (const info of made) if (info !== result) backend.disposeData(info.dataId);
  }
}

/**
 * Padding needed before/after a 1-D signal of `length` so that a stride-1 window of `window` taps
 * yields `outLength` outputs, starting `before` positions ahead of the signal. Negative values mean
 * the signal must be cropped instead (XNNPACK takes only non-negative explicit padding).
 */
export function padOrCrop(length: number, window: number, outLength: number, before: number): { before: number; after: number } {
  return { before, after: outLength + window - 1 - length - before };
}

/**
 * Crops `x` (NHWC) where `pads` are negative and returns the padding that remains, all ≥ 0, for an
 * explicit-padding Conv2D.
 */
export function cropNegativePadding(
  run: RunKernel,
  x: tf.TensorInfo,
  pads: { top: number; bottom: number; left: number; right: number },
): { x: tf.TensorInfo; pad: [[number, number], [number, number], [number, number], [number, number]] } {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const cropTop = Math.max(0, -pads.top);
  const cropBottom = Math.max(0, -pads.bottom);
  const cropLeft = Math.max(0, -pads.left);
  const cropRight = Math.max(0, -pads.right);
  const cropped =
    cropTop + cropBottom + cropLeft + cropRight === 0
      ? x
      : run('Slice', { x }, { begin: [0, cropTop, cropLeft, 0], size: [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c] });
  return {
    x: cropped,
    pad: [
      [0, 0],
      [Math.max(0, pads.top), Math.max(0, pads.bottom)],
      [Math.max(0, pads.left), Math.max(0, pads.right)],
      [0, 0],
    ],
  };
}
