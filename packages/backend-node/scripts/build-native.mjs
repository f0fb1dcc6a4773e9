// Builds the optional native kernels (native/src/*.cc → native/build/cdm-native.node) with the
// machine's C++ compiler, for this machine's CPU (-march=native). Never fails the surrounding
// install or build: without a compiler or Node-API headers it says so and exits 0, and the wasm
// backend runs on its WebAssembly kernels alone. Rebuilds only when the sources, the compiler
// flags or the CPU changed (native/build/cdm-native.json records them).
//
//   node scripts/build-native.mjs            build if needed
//   node scripts/build-native.mjs --force    rebuild
//   CXX=clang++ node scripts/build-native.mjs
//   CDM_NATIVE=0 (or CDM_NATIVE_BUILD=0)     skip
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sources = join(root, 'native', 'src');
const out = join(root, 'native', 'build');
const addon = join(out, 'cdm-native.node');
const stamp = join(out, 'cdm-native.json');
const say = (message) => console.error(`@cdm/backend-node native kernels: ${message}`);

function headers() {
  try {
    return createRequire(import.meta.url)('node-api-headers').include_dir;
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'include', 'node');
    return existsSync(join(bundled, 'node_api.h')) ? bundled : undefined;
  }
}

/** The instruction-set flags of this CPU (Linux; '' elsewhere): a build is only loaded on a CPU with the same. */
function cpuFlags() {
  try {
    return /^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

function main() {
  if (process.env.CDM_NATIVE === '0' || process.env.CDM_NATIVE_BUILD === '0') return say('skipped (CDM_NATIVE=0)');
  if (process.platform === 'win32') return say('not built: the build script supports Linux and macOS compilers only; the wasm kernels are used');
  const include = headers();
  if (include === undefined) return say('not built: Node-API headers not found (npm i node-api-headers); the wasm kernels are used');
  const cxx = process.env.CXX ?? 'c++';
  let compiler;
  try {
    compiler = execFileSync(cxx, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0];
  } catch {
    return say(`not built: no C++ compiler ('${cxx}'; Debian: apt-get install g++); the wasm kernels are used`);
  }
  const files = readdirSync(sources).filter((f) => /\.(cc|h)$/.test(f)).sort();
  const flags = ['-O3', '-march=native', '-ffp-contract=fast', '-fno-math-errno', '-std=c++17', '-shared', '-fPIC', '-pthread', '-fvisibility=hidden'];
  if (process.platform === 'darwin') flags.push('-undefined', 'dynamic_lookup');
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(join(sources, f)));
  const key = { sources: hash.digest('hex'), flags, compiler, cpu: os.cpus()[0]?.model ?? 'unknown', cpuFlags: cpuFlags(), arch: process.arch, platform: process.platform };
  if (!process.argv.includes('--force') && existsSync(addon) && existsSync(stamp)) {
    const previous = readFileSync(stamp, 'utf8');
    if (previous === JSON.stringify(key)) return;
  }
  mkdirSync(out, { recursive: true });
  const temporary = `${addon}.${process.pid}.tmp`;
  const started = Date.now();
  try {
    execFileSync(cxx, [...flags, `-I${include}`, ...files.filter((f) => f.endsWith('.cc')).map((f) => join(sources, f)), '-o', temporary], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    return say(`not built: ${cxx} failed (output above); the wasm kernels are used`);
  }
  renameSync(temporary, addon);
  writeFileSync(stamp, JSON.stringify(key));
  say(`built ${addon} in ${((Date.now() - started) / 1000).toFixed(1)} s (${compiler})`);
}

try {
  main();
} catch (error) {
  say(`not built: ${error instanceof Error ? error.message : String(error)}; the wasm kernels are used`);
}
