/**
 * Test-only: runs or checks every TypeScript, JavaScript and JSON code block of a README, so a
 * README is correct as written. Each package's `src/readme-blocks.test.ts` calls
 * `describeReadmeBlocks`. The markers are explained in readme-blocks.mjs.
 *
 * A ts/js block runs as a module of its own (written to tmp/readme-blocks/ in the repository,
 * where the `@cdm/*` packages resolve to their sources as in every test), with a fresh temporary
 * directory as the working directory. It must therefore be complete: its own imports, no free
 * variables, relative paths only to files it makes itself.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readmeBlocks, type ReadmeBlock } from './readme-blocks.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = join(root, 'tmp', 'readme-blocks');

export interface ReadmeBlockOptions {
  /** Checks for `<!-- readme: json <kind> -->` blocks, by kind; each throws (or fails an expect) on a bad document. */
  readonly json?: Readonly<Record<string, (document: unknown) => void | Promise<void>>>;
  /** Per-block time limit in ms. Default 120 000. */
  readonly timeout?: number;
  /**
   * Where `<!-- readme: test -->` blocks are written before they are imported, so that their
   * relative imports resolve (a README that shows a test file next to its examples/). Default:
   * tmp/readme-blocks/ in the repository.
   */
  readonly testDir?: string;
}

/** What the test does with a block, from its language and marker. */
function kindOf(block: ReadmeBlock): 'run' | 'browser' | 'test' | 'json' | 'example' | 'other' | 'unmarked-json' | 'bad-marker' {
  const { lang, marker } = block;
  if (marker?.startsWith('example: ')) return 'example';
  if (lang === 'json') return marker?.startsWith('readme: json ') ? 'json' : 'unmarked-json';
  if (!['ts', 'js', 'typescript', 'javascript', 'mjs'].includes(lang)) return 'other';
  if (marker === undefined || marker === 'readme: run' || marker === 'readme: run library') return 'run';
  if (marker === 'readme: browser') return 'browser';
  if (marker === 'readme: test') return 'test';
  return 'bad-marker';
}

/**
 * Registers one test per code block of `readmePath` (an absolute path). Blocks marked
 * `<!-- readme: test -->` are test code (a conformance suite): they are imported here, so their
 * `describe` blocks join this test file. Await it at the top level of the test file.
 */
export async function describeReadmeBlocks(readmePath: string, options: ReadmeBlockOptions = {}): Promise<void> {
  const name = relative(root, readmePath);
  const blocks = readmeBlocks(readFileSync(readmePath, 'utf8'));
  const timeout = options.timeout ?? 120_000;
  for (const block of blocks.filter((b) => kindOf(b) === 'test')) {
    const file = writeBlock(block, name, options.testDir);
    try {
      await import(/* @vite-ignore */ `${pathToFileURL(file).href}?line=${block.line}`);
    } finally {
      rmSync(file, { force: true });
    }
  }

  const checked = blocks.filter((b) => !['other', 'example', 'test'].includes(kindOf(b)));
  if (checked.length === 0) return;
  describe(`${name}: every code block runs or checks`, () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    for (const block of blocks) {
      const kind = kindOf(block);
      const where = `${name}:${block.line}`;
      if (kind === 'other' || kind === 'example' || kind === 'test') continue; // shell, text; examples/ files have their own test; test blocks were imported above
      if (kind === 'unmarked-json' || kind === 'bad-marker') {
        it(`${where} (${block.lang}) is marked`, () => {
          expect.fail(`${where}: a ${block.lang} block needs <!-- readme: json <kind> --> (json) or no marker / run / browser (ts, js); got ${block.marker ?? 'none'}`);
        });
      } else if (kind === 'json') {
        const jsonKind = block.marker!.slice('readme: json '.length);
        it(`${where} is a valid ${jsonKind}`, async () => {
          const check = options.json?.[jsonKind];
          expect(check, `${where}: no check for JSON kind "${jsonKind}"`).toBeDefined();
          await check!(JSON.parse(block.code));
        });
      } else if (kind === 'browser') {
        it(`${where} bundles for the browser (every import resolves)`, async () => bundleForBrowser(block, where), timeout);
      } else {
        it(`${where} runs`, async () => runBlock(block, name), timeout);
      }
    }
  });
}

function writeBlock(block: ReadmeBlock, readmeName: string, dir = scratch): string {
  const extension = block.lang === 'js' || block.lang === 'javascript' || block.lang === 'mjs' ? 'mjs' : 'ts';
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `.readme-${readmeName.replace(/[^\w]+/g, '-')}-L${block.line}.${extension}`);
  writeFileSync(file, block.code);
  return file;
}

async function runBlock(block: ReadmeBlock, readmeName: string): Promise<void> {
  const file = writeBlock(block, readmeName);
  const cwd = process.cwd();
  const work = mkdtempSync(join(tmpdir(), 'cdm-readme-'));
  vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    process.chdir(work);
    await import(/* @vite-ignore */ `${pathToFileURL(file).href}?line=${block.line}`);
  } finally {
    process.chdir(cwd);
    rmSync(work, { recursive: true, force: true });
    rmSync(file, { force: true });
  }
}

async function bundleForBrowser(block: ReadmeBlock, where: string): Promise<void> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    stdin: { contents: block.code, loader: 'ts', resolveDir: join(root, 'packages', 'backend-web'), sourcefile: basename(where) },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    tsconfig: join(root, 'tsconfig.base.json'), // its paths send @cdm/* to the sources
    external: ['vitest'], // test code: a browser test runner provides it
    plugins: [
      {
        name: 'vite-url-imports',
        setup(build) {
          // `…?url` is Vite's "give me this asset's URL": a string here.
          build.onResolve({ filter: /\?url$/ }, (args) => ({ path: args.path, namespace: 'url' }));
          build.onLoad({ filter: /.*/, namespace: 'url' }, (args) => ({ contents: `export default ${JSON.stringify(args.path)};`, loader: 'js' }));
        },
      },
    ],
  });
  expect(result.errors).toEqual([]);
  expect(result.outputFiles[0]!.text.length).toBeGreaterThan(0);
}
