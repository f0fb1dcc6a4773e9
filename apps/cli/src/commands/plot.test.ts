import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pngCodec } from '@cdm/backend-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLOT_COLORS } from '../loss-plot';
import { cdm, tempDir } from '../testing/micro-cascade';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('cdm-plot-');
  await mkdir(join(dir, 'run'));
  const lines = Array.from({ length: 50 }, (_, i) => ({ step: 2 * (i + 1), loss: Math.exp(-i / 20), ...(i % 10 === 9 ? { heldOutLoss: 1.2 * Math.exp(-i / 20) } : {}) }));
  await writeFile(join(dir, 'run/log.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{"step": 10`); // a line cut short by a crash
});

const count = (png: { data: Uint8Array; channels: number }, color: readonly number[]) => {
  let n = 0;
  for (let i = 0; i < png.data.length; i += png.channels) if (color.every((v, k) => png.data[i + k] === v)) n++;
  return n;
};

describe('cdm plot', () => {
  it('draws a run directory\'s log into loss.png beside it, with the training and held-out curves', async () => {
    const { code, stdout, stderr } = await cdm(['plot', 'run'], { cwd: dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Wrote ${join(dir, 'run/loss.png')}: 50 log lines to step 100, last loss 0.0863, held-out 0.1036 at step 100`);
    const png = await pngCodec().decode(new Uint8Array(await readFile(join(dir, 'run/loss.png'))));
    expect([png.width, png.height]).toEqual([800, 480]);
    expect(count(png, PLOT_COLORS.smoothed)).toBeGreaterThan(500);
    expect(count(png, PLOT_COLORS.heldOut)).toBeGreaterThan(100);
  });

  it('takes a log file and --out, --width, --height; reports as JSON', async () => {
    const out = join(dir, 'plots/small.png');
    const { code, json } = await cdm(['plot', join(dir, 'run/log.jsonl'), '--out', out, '--width', '400', '--height', '300', '--smoothing', '0', '--json']);
    expect(code).toBe(0);
    expect(json()).toMatchObject({ ok: true, out, lines: 50, step: 100, heldOut: { step: 100 } });
    const png = await pngCodec().decode(new Uint8Array(await readFile(out)));
    expect([png.width, png.height]).toEqual([400, 300]);
  });

  it('fails with exit 3 for a missing log and exit 2 for a bad flag', async () => {
    expect((await cdm(['plot', join(dir, 'nowhere')])).code).toBe(3);
    const bad = await cdm(['plot', join(dir, 'run'), '--smoothing', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid --smoothing: expected a weight in [0, 1), got 1.5');
  });
});
