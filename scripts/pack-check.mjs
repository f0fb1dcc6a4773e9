// Part of `npm test`, after the unit tests: the packages as a user gets them. Packs every
// publishable package from its built dist (npm pack), installs the tarballs into two scratch
// projects and runs the library example of @cdm/cascade's README there, in plain Node:
//
//   1. npm, in a project that already has vitest 3 (the version @cdm/core/testing must accept as
//      its optional peer): the install must not fail with ERESOLVE, the example must run, one of
//      core's conformance suites must pass under vitest 3, and the installed `cdm` must run;
//   2. pnpm 9 (fetched from the npm registry with npx), whose strict node_modules catch imports of
//      packages a package does not declare.
//
// It also checks that every tarball has LICENSE and README.md, and that every relative link in each
// tarball's README resolves to a file inside that tarball (scripts/markdown-links.mjs). Takes a
// couple of minutes (most of it installing); needs the npm registry. The native kernels are not
// compiled here (CDM_NATIVE_BUILD=0), but their install script must run, as allowed by each
// package manager.
//
//   node scripts/pack-check.mjs            after `npm run build`
//   CDM_PACK_CHECK=0 npm test              skip it (says so)
//   CDM_PACK_CHECK_KEEP=1 …                keep the scratch directory for a look
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brokenLinks } from './markdown-links.mjs';
import { libraryExample } from './readme-blocks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = ['@cdm/core', '@cdm/unet', '@cdm/augment', '@cdm/cascade', '@cdm/backend-node', '@cdm/backend-web', '@cdm/cli'];
const say = (text) => console.log(`[pack-check] ${text}`);
const failures = [];

if (process.env.CDM_PACK_CHECK === '0') {
  say('skipped (CDM_PACK_CHECK=0): the packed packages were not installed and tried');
  process.exit(0);
}
for (const name of PACKAGES) {
  const dir = name === '@cdm/cli' ? 'apps/cli' : `packages/${name.slice('@cdm/'.length)}`;
  if (!existsSync(join(root, dir, 'dist'))) {
    console.error(`[pack-check] ${dir}/dist is missing: run \`npm run build\` first`);
    process.exit(1);
  }
}

/** Runs a command; returns its output, or records a failure with the output's end and returns undefined. */
function run(label, command, args, options) {
  const started = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2, ...options, env: { ...process.env, ...options.env } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failures.push(label);
    say(`FAIL ${label} (${seconds} s, exit ${result.status ?? result.signal ?? result.error?.message}):\n${output.slice(-4000)}`);
    return undefined;
  }
  say(`ok   ${label} (${seconds} s)`);
  return output;
}

function check(label, condition, detail = '') {
  if (condition) say(`ok   ${label}`);
  else {
    failures.push(label);
    say(`FAIL ${label}${detail === '' ? '' : `: ${detail}`}`);
  }
}

/**
 * Without the native kernels (the install skipped their build), `cdm info` says how to build them
 * from a user's project and `cdm train` warns at the start; `npm rebuild @cdm/backend-node` then
 * builds them (where a C++ compiler exists) and `cdm info` finds them.
 */
function nativeKernels(project) {
  const cdm = join(project, 'node_modules/.bin/cdm');
  const before = run('npm: cdm info --json (native kernels not built)', cdm, ['info', '--json'], { cwd: project, env });
  if (before !== undefined) {
    const native = JSON.parse(before).wasm.native;
    check('npm: cdm info says to run `npm rebuild @cdm/backend-node`', native.available === false && native.reason.includes('npm rebuild @cdm/backend-node'), JSON.stringify(native));
  }
  writeFileSync(
    join(project, 'train.json'),
    JSON.stringify({
      $schema: './node_modules/@cdm/cli/schema/train-config.schema.json',
      runDir: 'runs/base8',
      stage: { name: 'base8', resolution: 8, numClasses: 10, denoiser: { type: 'adm-unet', config: { imageSize: 8, modelChannels: 8, numResBlocks: 1, channelMult: [1, 2], attentionResolutions: [], normGroups: 4 } }, diffusion: { timesteps: 100 } },
      dataset: { type: 'procedural', size: 20 },
      training: { steps: 2, batchSize: 2, lr: 1e-3, lrSchedule: 'cosine' },
    }),
  );
  check('npm: the JSON Schema a config names ships in @cdm/cli', existsSync(join(project, 'node_modules/@cdm/cli/schema/train-config.schema.json')));
  const trained = spawnSync(cdm, ['train', 'train.json', '--backend', 'wasm', '--quiet'], { cwd: project, encoding: 'utf8', env: { ...process.env, ...env } });
  check(
    'npm: cdm train warns once that wasm trains without the native kernels, with the fix',
    trained.status === 0 && trained.stderr.split('\n').filter((l) => l.startsWith('warning: training on wasm without the native kernels (not built')).length === 1 && trained.stderr.includes('npm rebuild @cdm/backend-node'),
    `exit ${trained.status}: ${trained.stderr.slice(-1500)}`,
  );
  const rebuilt = run('npm rebuild @cdm/backend-node (builds the native kernels)', 'npm', ['rebuild', '@cdm/backend-node', '--foreground-scripts'], { cwd: project, env: { ...env, CDM_NATIVE_BUILD: '' } });
  if (rebuilt === undefined) return;
  if (!/native kernels: built /.test(rebuilt)) {
    say(`SKIP the native build: ${rebuilt.split('\n').find((l) => l.includes('native kernels:')) ?? rebuilt.slice(-300)}`);
    return;
  }
  const after = run('npm: cdm info --json (after the rebuild)', cdm, ['info', '--json'], { cwd: project, env });
  if (after !== undefined) check('npm: cdm info finds the native kernels after `npm rebuild @cdm/backend-node`', JSON.parse(after).wasm.native.available === true, after.slice(-600));
}

const scratch = mkdtempSync(join(tmpdir(), 'cdm-pack-check-'));
const env = { CDM_NATIVE_BUILD: '0', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
try {
  // 1. Pack.
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs);
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['-w', p])], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } }));
  const tarballOf = Object.fromEntries(packed.map((p) => [p.name, join(tarballs, p.filename)]));
  for (const p of packed) {
    const files = new Set(p.files.map((f) => f.path));
    check(`${p.name} tarball has LICENSE and README.md (${p.files.length} files, ${(p.size / 1024).toFixed(0)} KiB)`, files.has('LICENSE') && files.has('README.md'), [...files].slice(0, 10).join(', '));
    if (files.has('README.md')) {
      // The README as packed, read from the tarball: what a user gets in node_modules and on npm.
      const readme = execFileSync('tar', ['-xzOf', join(tarballs, p.filename), 'package/README.md'], { encoding: 'utf8', maxBuffer: 16 * 1024 ** 2 });
      const broken = brokenLinks(readme, files);
      check(
        `${p.name} README: every relative link resolves to a file in the tarball`,
        broken.length === 0,
        broken.map((b) => `README.md:${b.line} → ${b.target} (${b.reason})`).join('; '),
      );
    }
  }
  const example = libraryExample(readFileSync(join(root, 'packages/cascade/README.md'), 'utf8'));
  if (example === undefined) throw new Error('packages/cascade/README.md has no <!-- readme: run library --> block');
  const dependencies = { ...Object.fromEntries(PACKAGES.map((p) => [p, `file:${tarballOf[p]}`])), '@tensorflow/tfjs-core': '^4.22.0' };

  // 2. npm, with vitest 3 already in the project.
  const npmProject = join(scratch, 'npm-vitest3');
  mkdirSync(join(npmProject, 'test'), { recursive: true });
  // First a project with vitest 3 installed, as a user has it; then the @cdm packages are added.
  writeFileSync(join(npmProject, 'package.json'), JSON.stringify({ name: 'scratch-npm', private: true, type: 'module', devDependencies: { vitest: '^3.2.0' } }, null, 2));
  run('npm install vitest@3 (the project as it was)', 'npm', ['install', '--ignore-scripts'], { cwd: npmProject, env });
  writeFileSync(
    join(npmProject, 'package.json'),
    JSON.stringify(
      {
        name: 'scratch-npm',
        private: true,
        type: 'module',
        dependencies,
        devDependencies: { vitest: '^3.2.0' },
        // Every @cdm/* dependency of a @cdm package is the tarball, never the registry.
        overrides: Object.fromEntries(PACKAGES.map((p) => [p, `$${p}`])),
        // npm 11: review and allow @cdm/backend-node's install script (it builds the native kernels).
        allowScripts: { '@cdm/backend-node': true },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(npmProject, 'example.mjs'), example.code);
  writeFileSync(
    join(npmProject, 'test', 'conformance.test.mjs'),
    [
      "import { cpuBackend } from '@cdm/backend-node';",
      "import { gaussianNoise } from '@cdm/augment';",
      "import { describeAugmentationConformance } from '@cdm/core/testing';",
      '',
      'await cpuBackend().init();',
      "describeAugmentationConformance('gaussian-noise', () => gaussianNoise({ maxLevel: 100, schedule: { name: 'cosine', numTimesteps: 1000 } }), { levels: [0, 50] });",
      '',
    ].join('\n'),
  );
  const npmInstall = run('npm install of the @cdm tarballs next to vitest 3', 'npm', ['install', '--foreground-scripts'], { cwd: npmProject, env });
  if (npmInstall !== undefined) {
    check('npm: no ERESOLVE or peer warning for vitest', !/ERESOLVE|peer vitest/i.test(npmInstall));
    check('npm: @cdm/backend-node install script ran (allowScripts)', npmInstall.includes('@cdm/backend-node native kernels: skipped'), npmInstall.slice(-1500));
    const vitestVersion = JSON.parse(readFileSync(join(npmProject, 'node_modules/vitest/package.json'), 'utf8')).version;
    check(`npm: vitest ${vitestVersion} stayed (3.x)`, vitestVersion.startsWith('3.'));
    const out = run('npm: the @cdm/cascade README library example in plain Node', process.execPath, ['example.mjs'], { cwd: npmProject, env });
    if (out !== undefined) check('npm: the example wrote samples.png', existsSync(join(npmProject, 'samples.png')) && /3 images of 32×32 on \w+/.test(out), out);
    const tests = run('npm: @cdm/core/testing conformance suite under vitest 3', join(npmProject, 'node_modules/.bin/vitest'), ['run'], { cwd: npmProject, env });
    const plain = tests?.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''); // vitest colours its summary where it thinks a terminal is (CI=true)
    if (plain !== undefined) check('npm: vitest 3 ran the suite', /Test Files\s+1 passed/.test(plain) && /v3\.\d+\.\d+/.test(plain), plain.slice(-800));
    const info = run('npm: the installed cdm bin (cdm info --demo --json)', join(npmProject, 'node_modules/.bin/cdm'), ['info', '--demo', '--json'], { cwd: npmProject, env });
    if (info !== undefined) check('npm: cdm info --demo lists the demo cascade', JSON.parse(info).stages?.length === 2, info.slice(0, 400));
    const fashion = run('npm: cdm info --demo fashion --json', join(npmProject, 'node_modules/.bin/cdm'), ['info', '--demo', 'fashion', '--json'], { cwd: npmProject, env });
    if (fashion !== undefined) check('npm: cdm info --demo fashion lists the Fashion-MNIST cascade', JSON.stringify(JSON.parse(fashion).stages?.map((s) => s.name)) === '["base14","sr28"]', fashion.slice(0, 400));
    const noConverter = !existsSync(join(npmProject, 'node_modules/@tensorflow/tfjs-converter'));
    check('npm: @tensorflow/tfjs-converter is not installed (an optional peer now)', noConverter);
    nativeKernels(npmProject);
  }

  // 3. pnpm 9.
  const pnpmProject = join(scratch, 'pnpm');
  mkdirSync(pnpmProject);
  writeFileSync(
    join(pnpmProject, 'package.json'),
    JSON.stringify(
      {
        name: 'scratch-pnpm',
        private: true,
        type: 'module',
        dependencies,
        pnpm: {
          overrides: Object.fromEntries(PACKAGES.map((p) => [p, `file:${tarballOf[p]}`])),
          // Build scripts of dependencies run only where allowed (pnpm 10 skips all others).
          onlyBuiltDependencies: ['@cdm/backend-node'],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(join(pnpmProject, 'example.mjs'), example.code);
  const pnpmVersion = spawnSync('npx', ['--yes', 'pnpm@9', '--version'], { cwd: pnpmProject, encoding: 'utf8', env: { ...process.env, ...env } });
  if (pnpmVersion.status !== 0) {
    say(`SKIP pnpm: could not fetch pnpm@9 with npx (${(pnpmVersion.stderr || '').trim().split('\n').pop()})`);
  } else {
    say(`pnpm ${pnpmVersion.stdout.trim()}`);
    const pnpmInstall = run('pnpm install (tarballs)', 'npx', ['--yes', 'pnpm@9', 'install', '--reporter=append-only', '--config.side-effects-cache=false'], { cwd: pnpmProject, env });
    if (pnpmInstall !== undefined) {
      check('pnpm: @cdm/backend-node install script ran (onlyBuiltDependencies)', pnpmInstall.includes('@cdm/backend-node native kernels: skipped'), pnpmInstall.slice(-1500));
      const out = run('pnpm: the @cdm/cascade README library example in plain Node', process.execPath, ['example.mjs'], { cwd: pnpmProject, env });
      if (out !== undefined) check('pnpm: the example wrote samples.png', existsSync(join(pnpmProject, 'samples.png')) && /3 images of 32×32 on \w+/.test(out), out);
    }
  }
} catch (error) {
  failures.push('pack-check itself');
  say(`FAIL ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  if (process.env.CDM_PACK_CHECK_KEEP === '1') say(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

if (failures.length > 0) {
  say(`${failures.length} failed: ${failures.join('; ')}`);
  process.exit(1);
}
say('all passed');
