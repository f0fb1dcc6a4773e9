/** Where this repository's browser tests find Chromium: Debian's `chromium` package, or CHROMIUM_PATH. */
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_MISSING = `no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\``;
export const hasChromium = (): boolean => existsSync(CHROMIUM_PATH);
