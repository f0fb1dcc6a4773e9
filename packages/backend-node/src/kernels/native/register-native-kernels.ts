import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../../native/native-addon';
import { nativeAdamUpdate } from './adam-update';
import { nativeBatchMatMul } from './batch-mat-mul';
import { NATIVE_BINARY_OPS, nativeBinary } from './binary';
import { nativeConcat } from './concat';
import { nativeConv2d } from './conv2d';
import { nativeConv2dBackpropFilter } from './conv2d-backprop-filter';
import { nativeConv2dBackpropInput } from './conv2d-backprop-input';
import { nativeDropout } from './dropout';
import { nativeFusedConv2d } from './fused-conv2d';
import { nativeGroupNorm, nativeGroupNormGrad } from './group-norm';
import { nativeReduce } from './reduce';
import { nativeSilu, nativeSiluGrad } from './silu';
import { nativeSplitV } from './split-v';

type Factory = (backendName: string, addon: NativeAddon, threads: number, fallback: tf.KernelFunc) => tf.KernelConfig;

/** Each kernel the native addon takes over on tfjs-wasm, by kernel name. */
const FACTORIES: Record<string, Factory> = {
  [tf.Conv2D]: nativeConv2d,
  [tf.FusedConv2D]: nativeFusedConv2d,
  [tf.Conv2DBackpropInput]: nativeConv2dBackpropInput,
  [tf.Conv2DBackpropFilter]: nativeConv2dBackpropFilter,
  [tf.BatchMatMul]: nativeBatchMatMul,
  [tf.Sum]: (...rest) => nativeReduce(tf.Sum, ...rest),
  [tf.Mean]: (...rest) => nativeReduce(tf.Mean, ...rest),
  [tf.Concat]: nativeConcat,
  [tf.SplitV]: nativeSplitV,
  ...Object.fromEntries(Object.keys(NATIVE_BINARY_OPS).map((name) => [name, ((...rest) => nativeBinary(name as keyof typeof NATIVE_BINARY_OPS, ...rest)) satisfies Factory])),
};

/** Kernels tfjs-wasm does not have at all: the fused GroupNorm, SiLU, dropout and Adam update of @cdm/core's contracts. */
const ADDITIONS: ((backendName: string, addon: NativeAddon, threads: number) => tf.KernelConfig)[] = [
  nativeGroupNorm,
  nativeGroupNormGrad,
  nativeSilu,
  nativeSiluGrad,
  nativeDropout,
  nativeAdamUpdate,
];

/** The kernels the native addon takes over on tfjs-wasm, by kernel name. */
export const NATIVE_KERNELS = Object.keys(FACTORIES);

/** The kernels the native ones replaced, per backend, so a second registration finds the right fallback. */
const replaced = new Map<string, Map<string, tf.KernelConfig>>();
const installed = new Map<string, tf.KernelConfig[]>();
const threadsInUse = new Map<string, number>();

/** The threads of the native kernels registered for `backendName`, or undefined when none are. */
export function nativeKernelThreads(backendName = 'wasm'): number | undefined {
  const ours = installed.get(backendName);
  return ours !== undefined && ours.every((c) => tf.getKernel(c.kernelName, backendName)?.kernelFunc === c.kernelFunc) ? threadsInUse.get(backendName) : undefined;
}

/**
 * Registers the native kernels for the tfjs backend `backendName` (a tfjs-wasm backend: they read
 * and write its heap), each replacing the kernel of the same name, with `threads` threads. Call
 * it after `registerWasmTrainingKernels`: BatchMatMul falls back to the kernel it replaces for
 * batch broadcasts it does not handle. Returns the kernel names registered.
 */
export function registerNativeKernels(addon: NativeAddon, threads: number, backendName = 'wasm'): string[] {
  const before = replaced.get(backendName) ?? new Map<string, tf.KernelConfig>();
  const ours = new Set(installed.get(backendName)?.map((c) => c.kernelFunc));
  for (const name of NATIVE_KERNELS) {
    const current = tf.getKernel(name, backendName);
    if (current !== undefined && !ours.has(current.kernelFunc)) before.set(name, current);
  }
  const missing = NATIVE_KERNELS.filter((name) => !before.has(name));
  if (missing.length > 0) {
    throw new Error(`tfjs backend '${backendName}' lacks ${missing.join(', ')}: import '@tensorflow/tfjs-backend-wasm' and register its training kernels first`);
  }
  replaced.set(backendName, before);
  const configs = [
    ...NATIVE_KERNELS.map((name) => FACTORIES[name]!(backendName, addon, threads, before.get(name)!.kernelFunc)),
    ...ADDITIONS.map((make) => make(backendName, addon, threads)),
  ];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, backendName) !== undefined) tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel(config);
  }
  installed.set(backendName, configs);
  threadsInUse.set(backendName, threads);
  return configs.map((c) => c.kernelName);
}

/** Puts back, for `backendName`, the kernels `registerNativeKernels` replaced. Returns their names. */
export function unregisterNativeKernels(backendName = 'wasm'): string[] {
  const before = replaced.get(backendName);
  const ours = installed.get(backendName);
  if (before === undefined || ours === undefined) return [];
  for (const config of ours) {
    if (tf.getKernel(config.kernelName, backendName)?.kernelFunc !== config.kernelFunc) continue;
    tf.unregisterKernel(config.kernelName, backendName);
    const previous = before.get(config.kernelName);
    if (previous !== undefined) tf.registerKernel(previous);
  }
  installed.delete(backendName);
  return ours.map((c) => c.kernelName);
}
