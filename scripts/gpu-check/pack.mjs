// Packs the GPU check for a machine with no Node, no npm and no network: a Node binary (this one),
// check.mjs bundled with esbuild (tfjs, tfjs-webgpu, @cdm/*), the `webgpu` package's dawn.node, a
// Vulkan loader, and the PyTorch side. Writes .gpu-check/gpu-check.tar.xz (checked against 64 MiB).
// Needs the workspace built (npm run build). Run through ../gpu-check.sh pack.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, '.gpu-check');
const bundle = join(out, 'bundle');
const LIMIT = 64 * 1024 ** 2;
const MiB = (bytes) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

rmSync(out, { recursive: true, force: true });
mkdirSync(join(bundle, 'lib'), { recursive: true });

await build({
  entryPoints: [join(root, 'scripts/gpu-check/check.mjs')],
  outfile: join(bundle, 'check.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true, // identifiers kept: stack traces stay readable
  logLevel: 'warning',
  // Loaded at run time from bundle/node_modules (webgpu) or never on this path (the rest).
  external: ['webgpu', 'sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  // tfjs' CommonJS builds call require() for Node built-ins.
  banner: { js: "import { createRequire as __cdmRequire } from 'node:module'; const require = __cdmRequire(import.meta.url);" },
});

const webgpu = join(root, 'node_modules/webgpu');
mkdirSync(join(bundle, 'node_modules/webgpu/dist/linux-x64'), { recursive: true });
for (const file of ['index.js', 'package.json', 'dist/linux-x64/dawn.node']) copyFileSync(join(webgpu, file), join(bundle, 'node_modules/webgpu', file));

copyFileSync(process.execPath, join(bundle, 'node'));
const loader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/chromium/libvulkan.so.1'].find(existsSync);
if (loader === undefined) throw new Error('no Vulkan loader to carry: apt-get install libvulkan1 (or chromium)');
copyFileSync(loader, join(bundle, 'lib/libvulkan.so.1'));
// NVIDIA's Vulkan driver (libGLX_nvidia) needs glvnd's libraries, which a bare GPU machine may lack:
// gpu-check.sh puts these on LD_LIBRARY_PATH only where the system has none.
mkdirSync(join(bundle, 'glvnd'));
const glvnd = ['libGLdispatch.so.0', 'libGLX.so.0', 'libEGL.so.1', 'libOpenGL.so.0', 'libGL.so.1'].filter((name) => existsSync(`/usr/lib/x86_64-linux-gnu/${name}`));
for (const name of glvnd) copyFileSync(`/usr/lib/x86_64-linux-gnu/${name}`, join(bundle, 'glvnd', name));
copyFileSync(join(root, 'packages/unet/scripts/torch_reference.py'), join(bundle, 'torch_reference.py'));
copyFileSync(join(root, 'scripts/gpu-check/torch_cuda.py'), join(bundle, 'torch_cuda.py'));

const archive = join(out, 'gpu-check.tar.xz');
execFileSync('tar', ['-C', out, '-cJf', archive, 'bundle'], { env: { ...process.env, XZ_OPT: '-6 -T0' } });
const size = statSync(archive).size;
console.log(`gpu-check: ${archive} ${MiB(size)} (limit ${MiB(LIMIT)}); Node ${process.version}, Vulkan loader from ${loader}, glvnd: ${glvnd.join(' ') || 'none here (apt-get install libglvnd0)'}`);
if (size > LIMIT) process.exit(1);
