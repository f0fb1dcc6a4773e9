// Collects docs/ablation/results/*.json (the `cdm eval` reports that run.sh writes) into the table of
// docs/ablation.md and into docs/ablation/summary.json (the numbers without the machine's paths).
//
//   node docs/ablation/table.mjs
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, 'results');
const TRAINING = { demo: 'demo sr32 (noise s ≤ 250, 2,682 steps)', 'sr-none': '(a) none', 'sr-noise': '(b) noise', 'sr-noise-blur': '(c) blur + noise' };
const NAME = /^(real-)?(demo|sr-none|sr-noise|sr-noise-blur)-s(\d+)(-truncated)?(?:-seed(\d+))?\.json$/;

const rows = readdirSync(results)
  .map((file) => ({ file, match: NAME.exec(file) }))
  .filter(({ match }) => match !== null)
  .map(({ file, match }) => {
    const report = JSON.parse(readFileSync(join(results, file), 'utf8'));
    const m = report.metrics;
    return {
      row: file.replace(/\.json$/, ''),
      variant: match[2],
      training: TRAINING[match[2]],
      s: Number(match[3]),
      handover: match[1] ? 'real 16×16 images' : match[3] === '0' ? 'clean' : match[4] ? 'truncated' : 'clean, noised to s',
      seed: report.seed,
      n: report.samples,
      fid: m.fid?.value,
      precision: m.pr?.precision,
      recall: m.pr?.recall,
      inceptionScore: m.is?.mean,
      classAccuracy: m.classAccuracy?.value,
      casTop1: m.cas?.top1,
      casTop5: m.cas?.top5,
      samplingSeconds: report.seconds.sampling,
      totalSeconds: report.seconds.total,
    };
  })
  .sort((a, b) => Object.keys(TRAINING).indexOf(a.variant) - Object.keys(TRAINING).indexOf(b.variant) || Number(a.row.startsWith('real-')) - Number(b.row.startsWith('real-')) || a.row.localeCompare(b.row, 'en', { numeric: true }));

const floorFile = join(results, 'real-floor.json');
const floor = existsSync(floorFile) ? JSON.parse(readFileSync(floorFile, 'utf8')) : undefined;
writeFileSync(join(here, 'summary.json'), `${JSON.stringify({ extractor: 'procedural-classifier-v1', rows, realImages: floor }, null, 2)}\n`);
const pct = (v) => (v === undefined ? '–' : `${(100 * v).toFixed(1)} %`);
const num = (v, digits) => (v === undefined ? '–' : v.toFixed(digits));
console.log('| super-resolution training | s | hand-over | seed | FID ↓ | precision | recall | IS | class accuracy | CAS top-1 / top-5 | sampling |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.training} | ${r.s} | ${r.handover} | ${r.seed} | ${num(r.fid, 0)} | ${num(r.precision, 3)} | ${num(r.recall, 3)} | ${num(r.inceptionScore, 2)} | ${pct(r.classAccuracy)} | ${pct(r.casTop1)} / ${pct(r.casTop5)} | ${num(r.samplingSeconds, 0)} s |`);
}
if (floor !== undefined) {
  console.log(`| real 32×32 images (world ${floor.world}), no model | – | – | – | ${num(floor.fid, 0)} | ${num(floor.precision, 3)} | ${num(floor.recall, 3)} | ${num(floor.inceptionScore, 2)} | ${pct(floor.classAccuracy)} | – | – |`);
}
