import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import type { Backend } from '@cdm/core';
import { describeAdapter, loadNativeAddon, nativeKernelThreads, probeDawnGpu, wasmHeapBytes } from '@cdm/backend-node';
import { createContext, withCommonFlags, type CommandContext, type CommonFlags } from '../context';
import { DEMO_FLAG_HELP, wantsDemo } from '../demo';
import type { CliIo } from '../io';
import { CLI_VERSION } from '../version';
import type { RunState } from './index';
import { runCascadeInfo, type CascadeFlags } from './info-cascade';

/** The largest heap a 32-bit WebAssembly module can have. */
const WASM_MAX_HEAP = 4 * 1024 ** 3;

export interface BackendReport {
  readonly name: string;
  readonly priority: number;
  readonly gpu: boolean;
  readonly training: boolean;
  readonly supported: boolean;
  readonly reason?: string;
  readonly install?: string;
}

export function registerInfo(program: Command, io: CliIo, state: RunState): void {
  withCommonFlags(program.command('info'))
    .description('Node version, backends (which run here, and why the others do not), threads, WASM heap; with a cascade.json (or --demo): its classes and stages')
    .argument('[cascade]', "a cascade.json: list its classes and each stage's resolution, network size, sampling defaults and augmentation")
    .option('--demo [name]', DEMO_FLAG_HELP)
    .action(async (cascade: string | undefined, flags: CommonFlags & CascadeFlags) => {
      const ctx = createContext(io, flags);
      state.exitCode = cascade !== undefined || wantsDemo(flags.demo) ? await runCascadeInfo(ctx, cascade, flags) : await runInfo(ctx);
    });
}

async function probe(backend: Backend): Promise<BackendReport> {
  const base = { name: backend.name, priority: backend.priority, gpu: backend.capabilities.gpu, training: backend.capabilities.training };
  try {
    const support = await backend.isSupported();
    if (support.supported) return support.byNameOnly === undefined ? { ...base, supported: true } : { ...base, supported: true, reason: `${support.byNameOnly}; used only with --backend ${backend.name}` };
    return { ...base, supported: false, reason: support.reason, ...(support.install === undefined ? {} : { install: support.install }) };
  } catch (error) {
    return { ...base, supported: false, reason: `isSupported() failed: ${(error as Error).message}` };
  }
}

/** tfjs-wasm's thread count, when wasm is the running backend (tfjs turns WASM threads off in Node). */
async function wasmThreads(): Promise<number | undefined> {
  if (tf.getBackend() !== 'wasm') return undefined;
  try {
    const specifier = '@tensorflow/tfjs-backend-wasm';
    const wasm = (await import(/* @vite-ignore */ specifier)) as { getThreadsCount?: () => number };
    return wasm.getThreadsCount?.();
  } catch {
    return undefined;
  }
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

async function runInfo(ctx: CommandContext): Promise<number> {
  const backends = await Promise.all([...ctx.registries.backends.values()].sort((a, b) => b.priority - a.priority).map(probe));
  let selected: { name: string; tfjsBackend: string } | null = null;
  let selectionError: string | undefined;
  try {
    const { backend } = await ctx.useBackend();
    selected = { name: backend.name, tfjsBackend: tf.getBackend() };
  } catch (error) {
    selectionError = (error as Error).message;
  }
  const heap = selected?.tfjsBackend === 'wasm' ? wasmHeapBytes('wasm') : undefined;
  const threads = await wasmThreads();
  const dawn = await probeDawnGpu();
  const webgpu = dawn.ok ? { adapter: dawn.adapter, driver: dawn.driver } : { adapter: null, reason: dawn.reason };
  const addon = loadNativeAddon();
  const nativeThreads = selected?.tfjsBackend === 'wasm' ? nativeKernelThreads('wasm') : undefined;
  const native = addon.available
    ? { available: true, isa: addon.isa, path: addon.path, threads: nativeThreads ?? null }
    : { available: false, reason: addon.reason, threads: null };
  const report = {
    cli: CLI_VERSION,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    tfjs: tf.version_core,
    cpuThreads: os.availableParallelism(),
    device: ctx.device,
    selected,
    ...(selectionError === undefined ? {} : { selectionError }),
    backends,
    webgpu,
    wasm: { threads: threads ?? null, heapBytes: heap ?? null, maxHeapBytes: WASM_MAX_HEAP, native },
  };
  ctx.result(report);
  ctx.say(`cdm ${CLI_VERSION} on Node ${process.version} (${report.platform}), ${report.cpuThreads} CPU threads, tfjs ${tf.version_core}`);
  ctx.say('Backends, highest priority first:');
  const width = Math.max(...backends.map((b) => b.name.length));
  for (const b of backends) {
    const kind = `${b.gpu ? 'gpu' : 'cpu'}${b.training ? ', trains' : ''}`;
    const mark = selected?.name === b.name ? '  <- selected' : '';
    ctx.say(`  ${b.supported ? 'yes' : 'no '}  ${b.name.padEnd(width)}  priority ${String(b.priority).padStart(3)}  ${kind}${b.reason === undefined ? '' : `  ${b.reason}`}${mark}`);
  }
  ctx.say(dawn.ok ? `WebGPU adapter: ${describeAdapter(dawn.adapter)}, on ${dawn.driver}` : `WebGPU adapter: none (${dawn.reason})`);
  if (selectionError !== undefined) ctx.say(`Device "${ctx.device}": ${selectionError}`);
  else ctx.say(`Device "${ctx.device}" uses ${selected!.name}.`);
  if (heap !== undefined) {
    ctx.say(`WASM: ${threads ?? '?'} thread${threads === 1 ? ' (tfjs runs WebAssembly single-threaded in Node)' : 's'}, heap ${mib(heap)} now, at most ${mib(WASM_MAX_HEAP)}`);
  }
  if (native.available) {
    const use = native.threads === null ? 'built, not in use (the wasm backend is not running)' : `in use on ${native.threads} thread${native.threads === 1 ? '' : 's'}`;
    ctx.say(`Native kernels (${native.isa}): ${use}`);
  } else {
    ctx.say(`Native kernels: off (${native.reason})`);
  }
  return 0;
}
