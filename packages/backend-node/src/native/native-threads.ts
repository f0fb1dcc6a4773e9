import { errors } from '@cdm/core';
import os from 'node:os';

/** The most threads the native kernels accept. */
export const MAX_NATIVE_THREADS = 64;

/**
 * The number of threads the native kernels use: `requested` (from `wasmBackend({ nativeThreads })`),
 * else the `CDM_NATIVE_THREADS` environment variable, else every core this process may use
 * (`os.availableParallelism()`, as PyTorch does). Throws CDM_INVALID_ARGUMENT for anything but an
 * integer from 1 to 64.
 */
export function resolveNativeThreads(requested?: number, env: Record<string, string | undefined> = process.env): number {
  if (requested !== undefined) return checkThreads('wasmBackend({ nativeThreads })', requested);
  const fromEnv = env.CDM_NATIVE_THREADS;
  if (fromEnv === undefined || fromEnv.trim() === '') return Math.min(MAX_NATIVE_THREADS, os.availableParallelism());
  return checkThreads('CDM_NATIVE_THREADS', /^\s*\d+\s*$/.test(fromEnv) ? Number(fromEnv) : fromEnv);
}

function checkThreads(arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_NATIVE_THREADS) {
    throw errors.invalidArgument(arg, `an integer from 1 to ${MAX_NATIVE_THREADS} (threads of the native kernels)`, value);
  }
  return value;
}
