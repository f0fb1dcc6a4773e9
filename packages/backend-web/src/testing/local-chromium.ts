/**
 * Test-only, not part of the published `@cdm/backend-web/testing`: where this repository's tests
 * and CI find the browser. Debian's `chromium` package puts it at /usr/bin/chromium (Playwright
 * cannot download browsers on machines without internet access); CHROMIUM_PATH overrides it.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What to do when the browser is missing, for skipped tests' titles and error messages. */
export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``;

/** Whether the browser is there. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}
