// A README inside an npm tarball may only link to files of that tarball: a relative link such as
// ../../examples/… works on GitHub but is a 404 on npm and in node_modules. scripts/pack-check.mjs
// checks the real tarballs at the end of `npm test`; this checks the same from `npm pack --dry-run`
// (a couple of seconds, no build needed), and the link finder itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { brokenLinks, relativeLinks } from '../../../scripts/markdown-links.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES: Record<string, string> = {
  '@cdm/core': 'packages/core',
  '@cdm/unet': 'packages/unet',
  '@cdm/augment': 'packages/augment',
  '@cdm/cascade': 'packages/cascade',
  '@cdm/backend-node': 'packages/backend-node',
  '@cdm/backend-web': 'packages/backend-web',
  '@cdm/cli': 'apps/cli',
};

describe('relativeLinks / brokenLinks', () => {
  const markdown = [
    '# Title',
    'See [the docs](docs/guide.md#setup "Guide"), ![img](./assets/a.png), [up](../../examples/x) and [folder](dist).',
    '[web](https://example.com/a.md), [mail](mailto:a@b.c), [anchor](#section), [proto](//cdn.example/x.js)',
    '`[in code](nope.md)` and [with query](LICENSE?plain=1)',
    '```md',
    '[in a fence](fenced.md)',
    '```',
    '[ref]: ./CHANGELOG.md',
    '<img src="assets/b.png"> <a href=\'#top\'>top</a> [spaced](<my file.md>)',
  ].join('\n');

  it('finds inline links, images, reference definitions and HTML attributes, outside code', () => {
    expect(relativeLinks(markdown)).toEqual([
      { target: 'docs/guide.md', line: 2 },
      { target: './assets/a.png', line: 2 },
      { target: '../../examples/x', line: 2 },
      { target: 'dist', line: 2 },
      { target: 'LICENSE', line: 4 },
      { target: './CHANGELOG.md', line: 8 },
      { target: 'my file.md', line: 9 },
      { target: 'assets/b.png', line: 9 },
    ]);
  });

  it('reports the links that leave the package or name a file it lacks; folders holding files resolve', () => {
    const files = ['README.md', 'LICENSE', 'docs/guide.md', 'assets/a.png', 'dist/index.js'];
    expect(brokenLinks(markdown, files)).toEqual([
      { target: '../../examples/x', line: 2, reason: 'leaves the package' },
      { target: './CHANGELOG.md', line: 8, reason: 'CHANGELOG.md is not in the package' },
      { target: 'my file.md', line: 9, reason: 'my file.md is not in the package' },
      { target: 'assets/b.png', line: 9, reason: 'assets/b.png is not in the package' },
    ]);
    expect(brokenLinks('[x](../a.md) [y](b.md)', ['docs/b.md', 'a.md'], 'docs/README.md')).toEqual([]);
  });
});

describe("every packed README's relative links resolve inside its tarball", () => {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', ...Object.keys(PACKAGES).flatMap((p) => ['-w', p])], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    }),
  ) as { name: string; files: { path: string }[] }[];

  it('packs every package', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(Object.keys(PACKAGES).sort());
  });

  it.each(Object.entries(PACKAGES))('%s (%s/README.md)', (name, dir) => {
    const files = packed.find((p) => p.name === name)!.files.map((f) => f.path);
    expect(files).toContain('README.md');
    const broken = brokenLinks(readFileSync(`${root}${dir}/README.md`, 'utf8'), files);
    expect(broken.map((b) => `${dir}/README.md:${b.line} → ${b.target} (${b.reason})`)).toEqual([]);
  });
});
