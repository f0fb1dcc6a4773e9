// The repository's README.md: its train-config JSON blocks are valid `cdm train` configs, and its
// command reference lists every command `cdm --help` has.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeReadmeBlocks } from '../../../scripts/readme-runner';
import { readmeBlocks } from '../../../scripts/readme-blocks.mjs';
import { cdm } from './testing/micro-cascade';
import { trainConfigSchema } from './train-config';

const readmePath = fileURLToPath(new URL('../../../README.md', import.meta.url));
const readme = readFileSync(readmePath, 'utf8');

await describeReadmeBlocks(readmePath, {
  json: {
    'train-config': (document) => {
      const parsed = trainConfigSchema.safeParse(document);
      if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
      // Like the CLI README's configs and the demo's, each names the JSON Schema @cdm/cli ships.
      expect((document as { $schema?: string }).$schema).toBe('./node_modules/@cdm/cli/schema/train-config.schema.json');
    },
  },
});

/** The command names of a `--help` text's "Commands:" list (without `help`). */
function commandsOf(help: string): string[] {
  const list = help.slice(help.indexOf('Commands:\n') + 'Commands:\n'.length);
  return [...list.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!).filter((name) => name !== 'help');
}

describe('README.md', () => {
  it('has the two train-config blocks the tests above validate', () => {
    expect(readmeBlocks(readme).filter((b) => b.marker === 'readme: json train-config')).toHaveLength(2);
  });

  it("the quick start is the two commands, as they are", () => {
    expect(readme).toContain(
      '```sh\nnpm install && npm start   # install, build, and sample 10 images from the shipped demo cascade\nnpm install && npm test    # install, then lint, typecheck, build, publint, run every test, and try the packed packages\n```',
    );
  });

  it("the command reference lists every command of `cdm --help`, and the subcommands of `cdm data` and `cdm extractor`", async () => {
    const table = readme.slice(readme.indexOf('## Command reference'), readme.indexOf('\n## ', readme.indexOf('## Command reference') + 1));
    const help = await cdm(['--help']);
    expect(help.code).toBe(0);
    const commands = commandsOf(help.stdout);
    expect(commands).toEqual(expect.arrayContaining(['info', 'sample', 'train', 'plot', 'data', 'cascade', 'import', 'eval', 'extractor', 'bench', 'worker']));
    for (const command of commands) {
      if (command === 'data' || command === 'extractor') {
        const sub = await cdm([command, '--help']);
        for (const name of commandsOf(sub.stdout)) expect(table, `cdm ${command} ${name}`).toContain(`\`cdm ${command} ${name} `);
      } else expect(table, `cdm ${command}`).toMatch(new RegExp(`^\\| \`cdm ${command}[\` ]`, 'm'));
    }
  });

  it('says cdm eval reports KID with its standard deviation over subsets, beside FID', async () => {
    const evalRow = readme.split('\n').find((l) => l.startsWith('| `cdm eval'));
    expect(evalRow).toMatch(/FID, KID \(mean ± std over subsets\)/);
    expect(readme).toMatch(/reports FID, KID \([^)]*standard deviation over random subsets\)/);
    const help = await cdm(['eval', '--help']);
    expect(help.stdout).toMatch(/--metrics <list>.*\bkid\b/); // KID is one of eval's metrics
    expect(help.stdout).toMatch(/--kid-subsets/);
  });
});
