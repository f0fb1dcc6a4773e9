// The results table of docs/ablation.md from `run.sh eval`'s output: one row per evaluation
// (results/<row>.json), then the differences that answer the question, each with a paired bootstrap
// interval computed from the rows' saved features (results/<row>.features.safetensors):
//
//   - augmentation at s = 0: FID(noise) − FID(none), …, on the same base samples;
//   - the compounding gap of each stage: FID from the base's samples − FID from real 14×14 images;
//   - how much augmentation shrinks that gap: gap(noise) − gap(none), …;
//   - each augmented stage at its best level s against the unaugmented one.
//
// Rows sampled from one hand-over file are paired (row i of each came from the same 14×14 image),
// and every row is compared with the same real images, so one joint bootstrap resamples the real
// images once for all rows and the inputs once per hand-over (pairedComparison in @cdm/cascade/eval).
//
//   node docs/ablation/fashion/compare.mjs [results dir] [--resamples B]   (writes <dir>/summary.json too)
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contrast, decodeFeatureFile, pairedComparison } from '@cdm/cascade/eval';

const args = process.argv.slice(2);
const flag = args.indexOf('--resamples');
const B = flag < 0 ? 1000 : Number(args.splice(flag, 2)[1]);
const dir = args[0] ?? new URL('results', import.meta.url).pathname;

const VARIANTS = { none: '(a) none', noise: '(b) noise', 'noise-blur': '(c) blur + noise' };
const rows = readdirSync(dir)
  .filter((f) => /^(none|noise|noise-blur)-s\d+(-truncate|-real)?\.json$/.test(f))
  .map((f) => {
    const name = f.replace(/\.json$/, '');
    const [, variant, s, how] = /^(none|noise|noise-blur)-s(\d+)(?:-(truncate|real))?$/.exec(name);
    return { name, variant, s: Number(s), how: how ?? 'clean', report: JSON.parse(readFileSync(join(dir, f), 'utf8')) };
  })
  .sort((a, b) => Object.keys(VARIANTS).indexOf(a.variant) - Object.keys(VARIANTS).indexOf(b.variant) || (a.how === 'real') - (b.how === 'real') || a.s - b.s || a.how.localeCompare(b.how));
if (rows.length === 0) throw new Error(`no rows in ${dir}: run bash docs/ablation/fashion/run.sh eval first`);

const fmt = (v, digits = 1) => (v < 0 ? '−' : '') + Math.abs(v).toFixed(digits);
const pct = (v) => `${(100 * v).toFixed(1)} %`;
const interval = (low, high, digits = 1) => `${fmt(low, digits)}…${fmt(high, digits)}`;

// 1. The table of rows, as cdm eval measured them.
const HANDOVER = { clean: 'base sample, noised to s', truncate: "base's own z_s (truncated)", real: 'real 14×14 test image' };
const lines = [
  '| super-resolution stage | s | input | FID (bootstrap 95 %) | KID ± std | precision / recall | class accuracy (Wilson 95 %) | CAS top-1 | brightness shift | sampling |',
  '|---|---|---|---|---|---|---|---|---|---|',
];
for (const { variant, s, how, report } of rows) {
  const m = report.metrics;
  const fid = `${fmt(m.fid.value, 2)} (${interval(m.fid.bootstrap.low, m.fid.bootstrap.high, 2)})`;
  const kid = `${fmt(m.kid.mean, 3)} ± ${m.kid.std.toFixed(3)}`;
  const pr = m.pr === undefined ? '—' : `${m.pr.precision.toFixed(3)} / ${m.pr.recall.toFixed(3)}`;
  const acc = m.classAccuracy === undefined ? '—' : `${pct(m.classAccuracy.value)} (${(100 * m.classAccuracy.interval.low).toFixed(1)}…${(100 * m.classAccuracy.interval.high).toFixed(1)})`;
  const cas = m.cas?.top1 === undefined ? '—' : pct(m.cas.top1);
  const shift = m.colourShift?.channels === undefined ? '—' : `${fmt(m.colourShift.channels[0].shift, 1)} (${interval(m.colourShift.channels[0].low, m.colourShift.channels[0].high, 1)})`;
  lines.push(`| ${VARIANTS[variant]} | ${s} | ${s === 0 && how === 'clean' ? 'base sample' : HANDOVER[how]} | ${fid} | ${kid} | ${pr} | ${acc} | ${cas} | ${shift} | ${Math.round(report.seconds.sampling)} s |`);
}
const n = rows[0].report.samples;
console.log(`${rows.length} rows, N = ${n} samples each against the same ${n} real test images (${rows[0].report.extractor}, fingerprint ${rows[0].report.extractorFingerprint}).\n`);
console.log(lines.join('\n'));

// 2. Paired differences, from the saved features.
const files = rows.map((r) => ({ ...r, file: decodeFeatureFile(new Uint8Array(readFileSync(join(dir, `${r.name}.features.safetensors`))), r.name) }));
// The floor (real-floor.mjs): the real 28×28 originals of the real-input rows' inputs, paired with those rows.
const FLOOR = 'real-floor';
if (existsSync(join(dir, `${FLOOR}.features.safetensors`))) {
  files.push({ name: FLOOR, file: decodeFeatureFile(new Uint8Array(readFileSync(join(dir, `${FLOOR}.features.safetensors`))), FLOOR) });
}
const [first] = files;
for (const f of files) {
  if (f.file.fingerprint !== first.file.fingerprint) throw new Error(`${f.name}: extractor ${f.file.fingerprint}, not ${first.file.fingerprint}`);
  if (Buffer.compare(Buffer.from(f.file.real.buffer, f.file.real.byteOffset, f.file.real.byteLength), Buffer.from(first.file.real.buffer, first.file.real.byteOffset, first.file.real.byteLength)) !== 0) {
    throw new Error(`${f.name}: compared with other real images than ${first.name}`);
  }
}
const started = performance.now();
const comparison = pairedComparison(
  { features: first.file.real, count: first.file.realCount },
  files.map((f) => ({ name: f.name, features: f.file.samples, count: f.file.count, pairing: f.file.provenance.handover ?? f.name })),
  first.file.featureDim,
  { resamples: B, seed: 0 },
);
const seconds = (performance.now() - started) / 1000;
const has = (name) => comparison.names.includes(name);
const contrasts = [];
const add = (what, coefficients) => {
  if (!Object.keys(coefficients).every(has)) return;
  const c = contrast(comparison, coefficients);
  contrasts.push({ what, coefficients, fid: c.fid, kid: c.kid });
};
const best = (variant, how) =>
  rows.filter((r) => r.variant === variant && r.how !== 'real' && (how === undefined || r.how === how || r.s === 0)).sort((a, b) => a.report.metrics.fid.value - b.report.metrics.fid.value)[0]?.name;
add('(b) noise − (a) none, s = 0', { 'noise-s0': 1, 'none-s0': -1 });
add('(c) blur + noise − (a) none, s = 0', { 'noise-blur-s0': 1, 'none-s0': -1 });
add('(c) blur + noise − (b) noise, s = 0', { 'noise-blur-s0': 1, 'noise-s0': -1 });
for (const v of Object.keys(VARIANTS)) add(`compounding gap of ${VARIANTS[v]}: from base samples − from real images, s = 0`, { [`${v}-s0`]: 1, [`${v}-s0-real`]: -1 });
add('gap (b) − gap (a)', { 'noise-s0': 1, 'noise-s0-real': -1, 'none-s0': -1, 'none-s0-real': 1 });
add('gap (c) − gap (a)', { 'noise-blur-s0': 1, 'noise-blur-s0-real': -1, 'none-s0': -1, 'none-s0-real': 1 });
add('(b) noise − (a) none, both from real images', { 'noise-s0-real': 1, 'none-s0-real': -1 });
add('(c) blur + noise − (a) none, both from real images', { 'noise-blur-s0-real': 1, 'none-s0-real': -1 });
for (const v of ['noise', 'noise-blur']) {
  for (const how of ['clean', 'truncate']) {
    const b = best(v, how);
    if (b !== undefined && b !== `${v}-s0`) add(`${VARIANTS[v]} at its best ${how === 'truncate' ? 'truncated' : 'clean'} level (${b}) − (a) none, s = 0`, { [b]: 1, 'none-s0': -1 });
  }
}
for (const v of Object.keys(VARIANTS)) add(`${VARIANTS[v]} from real images − the real 28×28 originals (what the stage itself loses)`, { [`${v}-s0-real`]: 1, [FLOOR]: -1 });
if (has(FLOOR)) {
  const k = comparison.names.indexOf(FLOOR);
  const floor = files.find((f) => f.name === FLOOR).file;
  console.log(`\nThe floor: the ${floor.count} real 28×28 originals of the real-input rows' inputs, scored as samples: FID ${fmt(comparison.fid[k], 2)}, KID ${fmt(comparison.kid[k], 3)} (on all rows), class accuracy ${pct(floor.provenance.classAccuracy)}.`);
}
const signed = (c) => (c.interval.low > 0 ? ' (> 0)' : c.interval.high < 0 ? ' (< 0)' : '');
console.log(`\nPaired differences (joint bootstrap, B = ${B}, percentile 95 % intervals; ${seconds.toFixed(0)} s). Negative means the first term is better.\n`);
console.log('| difference | ΔFID | 95 % interval | ΔKID | 95 % interval |');
console.log('|---|---|---|---|---|');
for (const c of contrasts) {
  console.log(`| ${c.what} | ${fmt(c.fid.value, 2)} | ${interval(c.fid.interval.low, c.fid.interval.high, 2)}${signed(c.fid)} | ${fmt(c.kid.value, 3)} | ${interval(c.kid.interval.low, c.kid.interval.high, 3)}${signed(c.kid)} |`);
}
writeFileSync(
  join(dir, 'summary.json'),
  `${JSON.stringify(
    {
      samples: n,
      extractor: rows[0].report.extractor,
      fingerprint: rows[0].report.extractorFingerprint,
      resamples: B,
      rows: rows.map(({ name, variant, s, how, report }) => ({ name, variant, s, handover: how, metrics: report.metrics, seconds: report.seconds })),
      fullSetFid: Object.fromEntries(comparison.names.map((name, k) => [name, comparison.fid[k]])),
      fullSetKid: Object.fromEntries(comparison.names.map((name, k) => [name, comparison.kid[k]])),
      contrasts,
    },
    null,
    2,
  )}\n`,
);
