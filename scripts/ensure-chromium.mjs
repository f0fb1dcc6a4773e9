// Part of `npm test`: the browser tests (backend-web in headless Chromium, the playground end to end)
// and the WebGPU-through-Dawn tests need Debian's `chromium` package (the browser, plus the SwiftShader
// Vulkan driver and loader that Dawn uses). Playwright cannot download browsers on these machines, so
// this script installs the Debian package when it can (root with apt-get), and otherwise says what the
// tests will skip and how to get the browser. It never fails the test run.
//
//   CDM_SKIP_BROWSER_INSTALL=1 npm test    # never install; browser tests skip if chromium is missing
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
const HOW = 'Install it with: sudo apt-get install -y chromium (Debian/Ubuntu)';

function say(text) {
  console.log(`[browser tests] ${text}`);
}

function canRun(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

if (existsSync(CHROMIUM)) {
  say(`using ${CHROMIUM}`);
} else if (process.env.CDM_SKIP_BROWSER_INSTALL === '1') {
  say(`${CHROMIUM} is missing and CDM_SKIP_BROWSER_INSTALL=1: the browser and WebGPU tests will be skipped. ${HOW}`);
} else if (process.platform !== 'linux' || process.getuid?.() !== 0 || !canRun('apt-get')) {
  say(`${CHROMIUM} is missing and this is not a root shell with apt-get: the browser and WebGPU tests will be skipped. ${HOW}`);
} else {
  say(`${CHROMIUM} is missing: installing Debian's chromium package (about 110 MB, a few minutes)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  try {
    try {
      install();
    } catch {
      // A fresh machine may have no package lists yet.
      execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
      install();
    }
    say(existsSync(CHROMIUM) ? `installed ${CHROMIUM}` : `apt-get finished but ${CHROMIUM} is still missing: the browser tests will be skipped`);
  } catch (error) {
    say(`could not install chromium (${error.message.split('\n')[0]}): the browser and WebGPU tests will be skipped. ${HOW}`);
  }
}
