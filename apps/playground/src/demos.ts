/**
 * The demo cascades the playground serves and offers: the CLI's bundled demos (apps/cli/demo), each
 * published under `demo/<folder>` of the site by the staticFiles plugin in vite.config.ts. The first
 * is what the page loads when no `?cascade=` or `?demo=` says otherwise.
 */
export interface PlaygroundDemo {
  /** What `?demo=` and the menu call it (the CLI's `--demo <name>`). */
  readonly name: string;
  /** Its folder inside apps/cli/demo and under `demo/` of the site (`''`: the top). */
  readonly folder: string;
  /** The menu's text. */
  readonly label: string;
}

export const PLAYGROUND_DEMOS: readonly PlaygroundDemo[] = [
  { name: 'shapes', folder: '', label: 'shapes (colour, 16 → 32)' },
  { name: 'fashion', folder: 'fashion/', label: 'Fashion-MNIST (greyscale, 14 → 28)' },
];

/** The demo called `name`, or the first demo when `name` is undefined or names none. */
export function findPlaygroundDemo(name: string | null | undefined): PlaygroundDemo {
  return PLAYGROUND_DEMOS.find((demo) => demo.name === name) ?? PLAYGROUND_DEMOS[0]!;
}

/** The files of apps/cli/demo that the site publishes: every demo's cascade.json and stages. */
export function demoFileGlobs(): string[] {
  return PLAYGROUND_DEMOS.flatMap((demo) => [`${demo.folder}cascade.json`, `${demo.folder}stages/**`]);
}
