import * as tf from '@tensorflow/tfjs-core';
import { isCdmError } from '@cdm/core';
import { readdirSync, readFileSync } from 'node:fs';
import { wasmBackend } from '../backends/wasm-backend';
import { enableWasmThreads, wasmThreadsCount } from '../backends/wasm-threads';

/**
 * The child process of wasm-threads.test.ts, bundled by esbuild and run in plain Node:
 * `node child.mjs <threads> [timeout|oom]`. Starts the wasm backend with that many threads (with
 * `timeout`, through a 1 ms start-up limit that must fall back to 1 thread), prints one JSON line
 * (thread count, warnings, op results, CPU time of the pool's worker threads) and then returns
 * without process.exit: the test checks that the process ends by itself.
 */
export async function runWasmThreadsChild(argv: readonly string[]): Promise<void> {
  const threads = Number(argv[0] ?? 1);
  const mode = argv[1] ?? 'ops';
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  if (mode === 'timeout') await enableWasmThreads(threads, { timeoutMs: 1, warn });
  // native: false: the convolutions below must run on XNNPACK's pool, which is what is measured.
  await wasmBackend({ threads: mode === 'timeout' ? 1 : threads, warn, native: false }).init();
  const report: Record<string, unknown> = { threads: wasmThreadsCount(), warnings };
  if (mode === 'oom') {
    const kept = tf.ones([64, 2 ** 20]); // 256 MiB
    try {
      tf.fill([1000 * 2 ** 20], 1).dispose(); // 4000 MiB more: past the 4 GiB heap
      report.oom = 'no error';
    } catch (error) {
      report.oom = isCdmError(error, 'CDM_OUT_OF_MEMORY') ? 'CDM_OUT_OF_MEMORY' : String(error);
    }
    const corner = tf.slice(kept, [63, 2 ** 20 - 2], [1, 2]);
    report.keptIntact = Array.from(corner.dataSync());
    tf.dispose([corner, kept]);
  }
  report.results = results();
  report.workerTicks = workerTicksDuring(() => {
    const x = tf.randomNormal([16, 32, 32, 64], 0, 1, 'float32', 5) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 64], 0, 0.1, 'float32', 6) as tf.Tensor4D;
    for (let i = 0; i < 6; i++) {
      const y = tf.conv2d(x, w, 1, 'same');
      y.dataSync();
      y.dispose();
    }
    tf.dispose([x, w]);
  });
  report.numTensors = tf.memory().numTensors;
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Outputs of a spread of ops that run on XNNPACK's thread pool (and of this package's kernels). */
function results(): Record<string, number[]> {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 12, 12, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 8, 16], 0, 0.3, 'float32', 2) as tf.Tensor4D;
    const big = tf.randomNormal([16, 32, 32, 64], 0, 1, 'float32', 3) as tf.Tensor4D;
    const bigW = tf.randomNormal([3, 3, 64, 64], 0, 0.1, 'float32', 4) as tf.Tensor4D;
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid')));
    const [dx, dw] = tf.grads(loss)([x, w]);
    const a = tf.randomNormal([3, 40, 32], 0, 1, 'float32', 7);
    const b = tf.randomNormal([3, 40, 24], 0, 1, 'float32', 8);
    const picked = (t: tf.Tensor, every: number) => Array.from(t.dataSync()).filter((_, i) => i % every === 0);
    return {
      conv3x3: picked(tf.conv2d(x, w, 1, 'same'), 1),
      conv1x1: picked(tf.conv2d(x, tf.slice(w, [1, 1, 0, 0], [1, 1, 8, 16]) as tf.Tensor4D, 1, 'same'), 1),
      convGradInput: picked(dx as tf.Tensor, 1),
      convGradFilter: picked(dw as tf.Tensor, 1),
      bigConv: picked(tf.conv2d(big, bigW, 1, 'same'), 97),
      matMul: picked(tf.matMul(tf.reshape(a, [120, 32]), tf.randomNormal([32, 64], 0, 1, 'float32', 9)), 1),
      batchMatMulTransposed: picked(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D, true, false), 1),
      avgPool: picked(tf.avgPool(x, 2, 2, 'valid'), 1),
      sigmoid: picked(tf.sigmoid(x), 1),
    };
  });
}

/** Linux: CPU ticks each non-main thread of this process spent while `work` ran; [] elsewhere. */
function workerTicksDuring(work: () => void): number[] {
  const ticks = (): Map<string, number> => {
    const out = new Map<string, number>();
    try {
      for (const task of readdirSync('/proc/self/task')) {
        const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(task, Number(fields[11]) + Number(fields[12])); // utime + stime
      }
    } catch {
      /* no /proc */
    }
    return out;
  };
  const before = ticks();
  work();
  const after = ticks();
  return [...after.entries()].filter(([task]) => task !== String(process.pid)).map(([task, t]) => t - (before.get(task) ?? 0)).filter((t) => t > 0).sort((p, q) => q - p);
}
