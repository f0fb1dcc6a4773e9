// Prints the GPU check's table from check.mjs's and torch_cuda.py's JSON lines (run by ../gpu-check.sh).
import { readFileSync } from 'node:fs';

const [webgpuPath, torchPath] = process.argv.slice(2);
const webgpu = JSON.parse(readFileSync(webgpuPath, 'utf8'));
let torch;
try {
  torch = JSON.parse(readFileSync(torchPath, 'utf8'));
} catch {
  torch = undefined;
}
const a = webgpu.adapter;
console.log(`\n== cdm GPU check ==`);
console.log(`Node ${webgpu.node}; WebGPU adapter: ${a ? `${a.vendor} ${a.architecture} (${a.description || a.device})${a.isFallbackAdapter ? ', FALLBACK adapter' : ''}${a.software ? ', software driver' : ''}` : 'none'}; driver: ${webgpu.driver}`);
console.log(`PyTorch: ${torch ? `${torch.torch} on ${torch.device} (${torch.deviceName}), ${torch.precision}` : 'not run (no python3 with torch)'}`);
console.log('network            batch  params        webgpu fwd   webgpu step   torch fwd   torch step   step ratio webgpu/torch');
for (const net of webgpu.nets) {
  const ref = torch?.nets.find((n) => n.id === net.id);
  const ms = (v) => (v === undefined ? '—' : `${v.toFixed(1)} ms`);
  const ratio = net.trainStepMs !== undefined && ref?.trainStepMs !== undefined ? `${(net.trainStepMs / ref.trainStepMs).toFixed(2)}×` : '—';
  console.log(
    `${net.id.padEnd(18)} ${String(net.batch).padStart(5)}  ${String(net.params ?? '—').padStart(11)}  ${ms(net.forwardMs).padStart(11)}  ${ms(net.trainStepMs).padStart(12)}  ${ms(ref?.forwardMs).padStart(10)}  ${ms(ref?.trainStepMs).padStart(11)}   ${ratio}${net.error ? `  webgpu failed: ${net.error}` : ''}${ref?.error ? `  torch failed: ${ref.error}` : ''}`,
  );
}
for (const net of webgpu.nets) {
  if (Array.isArray(net.kernels)) console.log(`${net.id}: webgpu GPU time by kernel (one train step): ${net.kernels.slice(0, 10).map((k) => `${k.name} ${k.share}`).join(', ')}`);
  else if (net.kernels) console.log(`${net.id}: webgpu kernel times ${net.kernels}`);
}
for (const net of webgpu.nets) console.log(`${net.id}: ${net.label}`);
const g = webgpu.gradientCheck;
console.log(g?.error ? `Gradient check failed: ${g.error}` : g ? `Gradient check (small U-Net, ${g.parameters} tensors, webgpu vs tfjs-cpu): max error ${g.maxRelativeError.toExponential(2)} of each tensor's largest value (${g.worstParameter}) — ${g.pass ? 'pass' : 'FAIL'}` : 'Gradient check: not run');
