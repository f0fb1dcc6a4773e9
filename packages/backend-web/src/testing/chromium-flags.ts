/**
 * Flags under which headless Chromium gets WebGPU (a SwiftShader adapter) and WebGL2 (ANGLE on
 * SwiftShader) on a machine without a GPU, and makes no network requests of its own. Never add
 * --disable-software-rasterizer: it turns both off.
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

/** What playwright-core's `chromium.launch(…)` / `launchPersistentContext(dir, …)` takes to run the browser at `executablePath` with these flags. */
export interface ChromiumLaunchOptions {
  readonly executablePath: string;
  readonly args: string[];
  readonly headless: true;
}

/**
 * Launch options for a headless Chromium that has WebGPU and WebGL without a GPU. Where the
 * browser lives is yours to say (your system's Chromium, or playwright's
 * `chromium.executablePath()` where playwright downloaded one); this package does not look for one.
 *
 * ```ts
 * import { chromium } from 'playwright-core';
 * import { chromiumLaunchOptions } from '@cdm/backend-web/testing';
 * const context = await chromium.launchPersistentContext(profileDir, chromiumLaunchOptions(chromium.executablePath()));
 * ```
 */
export function chromiumLaunchOptions(executablePath: string): ChromiumLaunchOptions {
  return { executablePath, args: [...CHROMIUM_ARGS], headless: true };
}
