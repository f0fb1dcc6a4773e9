import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes';
import { cdm, tempDir } from './testing/micro-cascade';

describe('runCli', () => {
  it('info --json reports Node, every backend with why it is or is not supported, threads and the WASM heap', async () => {
    const { code, json, stderr } = await cdm(['info', '--json', '--device', 'cpu']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const info = json();
    expect(info.node).toBe(process.version);
    expect(info.cpuThreads).toBeGreaterThan(0);
    expect(info.backends.map((b: any) => b.name)).toEqual(['tensorflow-cuda', 'webgpu', 'tensorflow', 'wasm', 'tfjs-cpu']);
    // The WebGPU adapter (Dawn), or why there is none.
    expect(info.webgpu.adapter === null ? info.webgpu.reason : info.webgpu.adapter.vendor).toEqual(expect.any(String));
    for (const b of info.backends) {
      expect(b).toMatchObject({ priority: expect.any(Number), gpu: expect.any(Boolean), training: expect.any(Boolean), supported: expect.any(Boolean) });
      if (!b.supported) expect(b.reason).toEqual(expect.any(String));
    }
    const tensorflow = info.backends.find((b: any) => b.name === 'tensorflow');
    if (!tensorflow.supported) expect(tensorflow).toMatchObject({ reason: '@tensorflow/tfjs-node is not installed — npm i @tensorflow/tfjs-node', install: '@tensorflow/tfjs-node' });
    // Device 'cpu' is the best CPU backend that runs here: wasm unless TensorFlow is installed.
    expect(info.device).toBe('cpu');
    expect(info.selected.name).toBe(tensorflow.supported ? 'tensorflow' : 'wasm');
    if (info.selected.name === 'wasm') {
      expect(info.wasm.heapBytes).toBeGreaterThan(0);
      expect(info.wasm.threads).toBe(1);
      // The native kernels run under wasm wherever they were built; otherwise info says why not.
      if (info.wasm.native.available) expect(info.wasm.native.threads).toBeGreaterThan(0);
    }
    if (!info.wasm.native.available) expect(info.wasm.native.reason).toEqual(expect.any(String));
    expect(info.wasm.maxHeapBytes).toBe(4 * 1024 ** 3);
  });

  it('info for people lists the backends and the one selected', async () => {
    const { code, stdout } = await cdm(['info', '--backend', 'tfjs-cpu']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}yes {2}tfjs-cpu +priority 100 {2}cpu, trains {2}<- selected$/m);
    expect(stdout).toContain('Device "tfjs-cpu" uses tfjs-cpu.');
    expect(stdout).toMatch(/^WebGPU adapter: (none \(.+\)|.+, on .+)$/m);
    expect(stdout).toMatch(/^Native kernels( \(\w+\): built, not in use \(the wasm backend is not running\)|: off \(.+\))$/m);
  });

  it('an unknown backend is a usage error naming the registered ones; no GPU backend is exit 5', async () => {
    const info = await cdm(['info', '--backend', 'tpu', '--json']);
    expect(info.code).toBe(0); // info reports rather than fails
    expect(info.json().selectionError).toContain('Unknown backend "tpu"; registered: tensorflow-cuda, webgpu, tensorflow, wasm, tfjs-cpu');
    const dir = await tempDir();
    await writeFile(join(dir, 'cascade.json'), '{}');
    const unknown = await cdm(['sample', 'cascade.json', '--backend', 'tpu'], { cwd: dir });
    expect(unknown.code).toBe(EXIT_CODES.usage);
    expect(unknown.stderr).toContain('cdm: Unknown backend "tpu"; registered: tensorflow-cuda, webgpu, tensorflow, wasm, tfjs-cpu. Ask for a device (auto, gpu, cpu)');
    const gpu = await cdm(['sample', 'cascade.json', '--device', 'gpu'], { cwd: dir });
    if (!info.json().backends.find((b: any) => b.name === 'tensorflow-cuda').supported) {
      expect(gpu.code).toBe(EXIT_CODES.backend);
      expect(gpu.stderr).toContain('No backend can serve device "gpu".\nTried:\n  tensorflow-cuda: @tensorflow/tfjs-node-gpu is not installed');
    }
    const both = await cdm(['import', 'x.safetensors', '--config', 'c.json', '--out', 'o', '--backend', 'gpu', '--device', 'cpu']);
    expect(both.code).toBe(EXIT_CODES.usage);
    expect(both.stderr).toContain('Invalid --device: expected the same value as --backend ("gpu"), or only one of them');
    for (const bad of ['0', '9', 'two']) {
      const threads = await cdm(['info', '--threads', bad]);
      expect(threads.code).toBe(EXIT_CODES.usage);
      expect(threads.stderr).toContain('Invalid --threads');
    }
  });

  it('commander usage errors exit 2 with a pointer to --help; --help and --version exit 0', async () => {
    const unknown = await cdm(['sample', '--frobnicate']);
    expect(unknown.code).toBe(EXIT_CODES.usage);
    expect(unknown.stderr).toContain("error: unknown option '--frobnicate'");
    expect(unknown.stderr).toContain('(run with --help for usage)');
    const command = await cdm(['smaple']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("error: unknown command 'smaple'");
    expect(command.stderr).toContain('(Did you mean sample?)');
    const missing = await cdm(['train']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: missing required argument 'config'");
    const help = await cdm(['sample', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--aug-level <list>');
    const version = await cdm(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
    const neither = await cdm(['sample']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('Invalid cascade: expected a cascade.json path (or --demo for the bundled demo), got undefined [CDM_INVALID_ARGUMENT]');
  });

  it('eval names a missing cascade.json (exit 3)', async () => {
    const { code, json } = await cdm(['eval', 'cascade.json', '--json']);
    expect(code).toBe(EXIT_CODES.notFound);
    expect(json()).toMatchObject({ ok: false, exitCode: 3, error: { code: 'CDM_NOT_FOUND' } });
  });

  it('--verbose adds the stack trace to an expected error', async () => {
    const quiet = await cdm(['eval']);
    expect(quiet.stderr).not.toMatch(/\n\s+at /);
    const verbose = await cdm(['eval', '--verbose']);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});
