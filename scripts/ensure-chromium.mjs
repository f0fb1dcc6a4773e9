// Part of `npm test`: the browser tests (backend-web in headless Chromium, the playground end to end)
// and the WebGPU-through-Dawn tests need Debian's `chromium` package (the browser, plus the SwiftShader
// Vulkan driver and loader that Dawn uses). Playwright cannot download browsers on these machines, so
// this script installs the Debian package when it can (root with apt-get), and otherwise says what the
// tests will skip and how to get the browser. It never fails the test run.
//
//   CDM_SKIP_BROWSER_INSTALL=1 npm test    # never install; browser tests skip if chromium is missing
import { existsSync } from 'node:fs';
import { ensureDebianPackage } from './debian-package.mjs';

const CHROMIUM = '/usr/bin/chromium';
const HOW = 'Install it with: sudo apt-get install -y chromium (Debian/Ubuntu)';
const say = (text) => console.log(`[browser tests] ${text}`);

const result = ensureDebianPackage({
  name: 'chromium',
  what: CHROMIUM,
  present: () => existsSync(CHROMIUM),
  skip: process.env.CDM_SKIP_BROWSER_INSTALL === '1',
  skipVariable: 'CDM_SKIP_BROWSER_INSTALL',
  size: 'about 110 MB, a few minutes',
  say,
});
say(result.ok ? `${result.installed ? 'installed' : 'using'} ${CHROMIUM}` : `${result.reason}: the browser and WebGPU tests will be skipped. ${HOW}`);
