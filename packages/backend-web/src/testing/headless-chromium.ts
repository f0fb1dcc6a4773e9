import { existsSync } from 'node:fs';

/**
 * Where Debian's `chromium` package puts the browser (Playwright cannot download browsers on
 * machines without internet access); the CHROMIUM_PATH environment variable overrides it.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What to do when the browser is missing, for skipped tests' titles and error messages. */
export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``;

/** Whether the browser is there. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Flags under which headless Chromium gets WebGPU (a SwiftShader adapter) and WebGL2 (ANGLE on
 * SwiftShader) on a machine without a GPU, and makes no network requests of its own. Never add
 * --disable-software-rasterizer: it turns both off. Pass them to playwright-core's
 * `chromium.launchPersistentContext(dir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })`.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
