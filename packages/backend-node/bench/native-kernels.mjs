// node bench/native-kernels.mjs [--threads 1,2] [--repeats 15] (after `npm run build`): times the
// native addon's convolution kernels directly (no tfjs) on the `tiny-32` U-Net's main shapes at
// batch 16, and the dropout kernel on 2^20 values; prints one line per kernel and shape with the
// best time and the equivalent GFLOP/s of a direct convolution (2·MACs / time, so Winograd's shapes
// can exceed the SGEMM's rate). The numbers in the README's "Native kernels" section come from it.
// Run it on a quiet machine; it is a benchmark, not a test.
import { loadNativeAddon } from '@cdm/backend-node';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const threadCounts = (args.threads ?? '1,2').split(',').map(Number);
const repeats = Number(args.repeats ?? 15);
const status = loadNativeAddon();
if (!status.available) {
  console.error(`native kernels unavailable: ${status.reason}`);
  process.exit(1);
}
const { addon } = status;
const filled = (n, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));
const best = (fn) => {
  fn();
  let min = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
};

// [batch, size, in channels, out channels], 3×3 'same' stride 1: the shapes that dominate a step.
const shapes = [[16, 32, 64, 64], [16, 16, 128, 128], [16, 8, 128, 128], [16, 32, 128, 64], [16, 16, 256, 128], [16, 32, 64, 3]];
console.log(`native kernels: ${status.isa}, ${status.path}`);
for (const threads of threadCounts) {
  for (const [b, s, ci, co] of shapes) {
    const geometry = Int32Array.of(b, s, s, ci, s, s, co, 3, 3, 1, 1, 1, 1, 1, 1);
    const x = filled(b * s * s * ci, 1), w = filled(9 * ci * co, 2), y = filled(b * s * s * co, 3);
    const dx = new Float32Array(x.length), dw = new Float32Array(w.length), out = new Float32Array(y.length);
    const gflop = (2 * b * s * s * ci * co * 9) / 1e9;
    const times = {
      forward: best(() => addon.conv2d(x, w, out, geometry, threads)),
      'input gradient': best(() => addon.conv2dBackpropInput(y, w, dx, geometry, threads)),
      'filter gradient': best(() => addon.conv2dBackpropFilter(x, y, dw, geometry, threads)),
    };
    const cells = Object.entries(times).map(([name, ms]) => `${name} ${ms.toFixed(2)} ms (${(gflop / (ms / 1000)).toFixed(0)} GFLOP/s)`);
    console.log(`${threads} thread${threads > 1 ? 's' : ''}  [${b}, ${s}, ${s}, ${ci}] → ${co}: ${cells.join(', ')}`);
  }
  const n = 1 << 20;
  const x = filled(n, 4), y = new Float32Array(n);
  const ms = best(() => addon.dropout(x, y, 0x12345678, 0x9abcdef0, Math.round(0.1 * 2 ** 24), 1 / 0.9, threads));
  console.log(`${threads} thread${threads > 1 ? 's' : ''}  dropout 0.1 on ${n} values: ${ms.toFixed(3)} ms (${((ms * 1e6) / n).toFixed(2)} ns per value)`);
}
