import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { pngCodec } from '@cdm/backend-node';
import { decodeFeatureFile, featureStatistics, fid } from '@cdm/cascade/eval';
import { decodeHandover } from '../handover-file';
import { cdm, tempDir, writeMicroCascade } from '../testing/micro-cascade';

let dir: string;
let manifest: string;

beforeAll(async () => {
  dir = await tempDir('cdm-eval-');
  manifest = await writeMicroCascade(dir);
});

/** Flags that keep a micro-cascade evaluation to a few seconds on tfjs-cpu. */
const quick = (...extra: string[]) => ['--n', '12', '--batch', '6', '--steps', '2', '--cas-epochs', '2', ...(extra.includes('--backend') ? [] : ['--backend', 'tfjs-cpu']), ...extra];

describe('cdm eval', () => {
  it('samples, extracts features of generated and held-out real images, and reports every metric with its extractor', async () => {
    const before = tf.memory().numTensors;
    const out = join(dir, 'eval.json');
    const cache = join(dir, 'cache');
    const { code, stdout, stderr } = await cdm(['eval', manifest, ...quick('--seed', '4', '--cache-dir', cache, '--out', out, '--json', '--backend', 'wasm')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: true, backend: 'wasm', extractor: 'procedural-classifier-v1', samples: 12, seed: 4, resolution: 16 });
    // The micro cascade's classes (circle, square, star, ring) are matched by name to procedural classes 0, 1, 5, 3.
    expect(report.real).toMatchObject({ dataset: 'procedural', worldSeed: 7919, classes: ['circle', 'square', 'ring', 'star'], count: 12, cached: false });
    expect(report.extractorFingerprint).toMatch(/^[0-9a-f]{8}$/); // of the shipped weights
    expect(report.real.referenceStatistics).toBe(join(cache, `procedural-world7919-classes0.1.3.5-16px-n12-procedural-classifier-v1-${report.extractorFingerprint}.safetensors`));
    const { fid, kid, is, pr, cas, classAccuracy } = report.metrics;
    expect(report.warnings).toEqual([]);
    expect(report.extractorInfo).toEqual({ name: 'procedural-classifier-v1', fingerprint: report.extractorFingerprint, kind: 'procedural-classifier', path: null });
    expect(report.intervals).toEqual({ level: 0.95, bootstrapResamples: 100, seed: 4 });
    expect(fid.extractor).toBe('procedural-classifier-v1');
    expect(fid.value).toBeGreaterThan(0); // random micro weights: far from real images
    expect(fid.value).toBeCloseTo(fid.meanTerm + fid.covarianceTerm, 6);
    expect(fid.bootstrap).toMatchObject({ resamples: 100, level: 0.95, seed: 4 });
    expect(fid.bootstrap.low).toBeLessThan(fid.bootstrap.high);
    expect(fid.bootstrap.note).toContain('FID is biased upward at finite n');
    expect(kid).toMatchObject({ subsets: 100, subsetSize: 6, extractor: 'procedural-classifier-v1' }); // ⌊n / 2⌋ by default
    expect(kid.std).toBeGreaterThan(0); // subsets of 6 of 12 differ: the std is a spread
    expect(kid.mean).toBeGreaterThan(0);
    expect(pr.bootstrap.precision.low).toBeLessThanOrEqual(pr.bootstrap.precision.high);
    expect(classAccuracy.interval.low).toBeLessThanOrEqual(classAccuracy.value);
    expect(classAccuracy.interval.high).toBeGreaterThanOrEqual(classAccuracy.value);
    expect(cas.top5Interval.high).toBeGreaterThanOrEqual(cas.top5);
    // Per class: the 12 samples are 3 of each of the 4 classes, named as the shipped classifier names them.
    expect(classAccuracy.perClass.map((c: { name: string; samples: number }) => [c.name, c.samples])).toEqual([['circle', 3], ['square', 3], ['ring', 3], ['star', 3]]);
    const hits = classAccuracy.perClass.reduce((sum: number, c: { accuracy: number; samples: number }) => sum + c.accuracy * c.samples, 0);
    expect(hits / 12).toBeCloseTo(classAccuracy.value, 9);
    // The super-resolution stage's colour shift against its upsampled input, per RGB channel.
    const { colourShift } = report.metrics;
    expect(colourShift).toMatchObject({ samples: 12, unit: '8-bit levels' });
    expect(colourShift.channels).toHaveLength(3);
    for (const c of colourShift.channels) expect(c.low).toBeLessThanOrEqual(c.high);
    expect(is).toMatchObject({ splits: 10, extractor: 'procedural-classifier-v1' });
    expect(is.mean).toBeGreaterThanOrEqual(1);
    expect(is.mean).toBeLessThanOrEqual(10);
    expect(pr).toMatchObject({ k: 3, extractor: 'procedural-classifier-v1' });
    for (const v of [pr.precision, pr.recall, cas.top1, cas.top5, classAccuracy.value]) expect(v >= 0 && v <= 1).toBe(true);
    expect(cas).toMatchObject({ trainExamples: 12, testExamples: 12, classifier: 'small-convnet[16,32,64,128]/128' });
    expect(cas.top5).toBeGreaterThanOrEqual(cas.top1);
    expect(report.stages.map((s: { params: unknown }) => s.params)).toEqual([{ steps: 2 }, { steps: 2 }]);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(report);
    expect(tf.memory().numTensors).toBe(before);

    // Again with the same seed: the reference statistics come from the cache, and the samples (so the FID) are the same.
    const again = await cdm(['eval', manifest, ...quick('--seed', '4', '--cache-dir', cache, '--metrics', 'fid', '--out', join(dir, 'again.json'), '--json', '--backend', 'wasm')]);
    expect(again.code).toBe(0);
    expect(again.json().real.cached).toBe(true);
    expect(again.json().metrics.fid.value).toBe(fid.value);
    expect(Object.keys(again.json().metrics).sort()).toEqual(['classAccuracy', 'colourShift', 'fid']);
  });

  it('prints progress and one line per metric for people', async () => {
    const { code, stdout, stderr } = await cdm(['eval', manifest, ...quick('--metrics', 'fid,is', '--cache-dir', join(dir, 'cache2'), '--out', join(dir, 'people.json'))]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Evaluating micro \(base 8×8 → sr16 16×16\) on tfjs-cpu: 12 samples, features from procedural-classifier-v1$/m);
    expect(stdout).toMatch(/^FID \(procedural-classifier-v1, 12 vs 12\): \d+\.\d{3}$/m);
    expect(stdout).toMatch(/^Inception Score \(procedural-classifier-v1, 10 splits\): \d+\.\d{3} ± \d+\.\d{3}$/m);
    // The summary table: value, 95 % interval, std and where they come from.
    expect(stdout).toMatch(/^FID +\S+ +\S+ … \S+ +\S+ +bootstrap, B = 100$/m);
    expect(stdout).toMatch(/^Inception Score +\d+\.\d{3} +\S+ +std over 10 splits$/m);
    expect(stdout).toMatch(/^Wrote .*people\.json in /m);
    expect(stderr).toMatch(/^sampling 16×16: 12\/12 images/m);
    expect(stderr).toMatch(/^features \(procedural-classifier-v1\): 12\/12 images/m);
    expect(stderr).toMatch(/^reference features \(procedural-classifier-v1\): 12\/12 images/m);
  });

  it('uses a tfjs graph model as the extractor with --graph-model (no logits: the Inception Score is skipped, saying why)', async () => {
    // A graph model that averages each channel over the image: features = per-channel means.
    const model = join(dir, 'mean-model');
    await mkdir(model, { recursive: true });
    const dims = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });
    await writeFile(join(model, 'model.json'), JSON.stringify({
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'input', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([-1, 8, 8, 3]) } } },
          { name: 'axes', op: 'Const', attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: dims([2]) } }, dtype: { type: 'DT_INT32' } } },
          { name: 'pool', op: 'Mean', input: ['input', 'axes'], attr: { T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
        ],
        versions: { producer: 1286 },
      },
      weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'axes', shape: [2], dtype: 'int32' }] }],
    }));
    await writeFile(join(model, 'weights.bin'), new Uint8Array(Int32Array.from([1, 2]).buffer));
    const { code, stderr, json } = await cdm(['eval', manifest, ...quick('--graph-model', model, '--feature-node', 'pool', '--input-size', '8', '--metrics', 'fid,is,pr', '--cache-dir', join(dir, 'cache3'), '--out', join(dir, 'g.json'), '--json')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { extractor, metrics } = json();
    expect(extractor).toBe('graph-model:mean-model:pool');
    expect(metrics.fid.extractor).toBe('graph-model:mean-model:pool');
    expect(metrics.is).toEqual({ skipped: 'graph-model:mean-model:pool gives no logits (pass --logits-node)' });
    expect(metrics.pr.extractor).toBe('graph-model:mean-model:pool');
    expect(metrics.classAccuracy.extractor).toBe('procedural-classifier-v1'); // always the shipped classifier
  });

  it('saves the hand-over once and evaluates the last stage from it: the same samples as full runs, clean and truncated', async () => {
    const cache = join(dir, 'cache-handover');
    const handover = join(dir, 'handover.safetensors');
    const ddpm = ['--sampler', 'ddpm,ddpm', '--steps', '4,2', '--metrics', 'fid', '--cache-dir', cache, '--json'];
    // DDPM with 4 of 100 steps visits timesteps 99, 66, 33, 0: the levels it can stop at are 67, 34 and 1.
    const saved = await cdm(['eval', manifest, ...quick(...ddpm, '--aug-level', '0,0', '--save-handover', handover, '--handover-levels', '34,67', '--grid', join(dir, 'grid.png'))]);
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
    const file = decodeHandover(new Uint8Array(await readFile(handover)), '--handover', handover);
    expect(file.count).toBe(12);
    expect([...file.levels.keys()]).toEqual([0, 34, 67]);
    expect(Array.from(file.labels!)).toEqual(Array.from({ length: 12 }, (_, i) => i % 4));
    expect(file.imageShape).toEqual([8, 8, 3]);
    expect(file.provenance).toMatchObject({ cascade: manifest, seed: 1, batch: 6, stages: [{ name: 'base', resolution: 8, params: { sampler: 'ddpm', steps: 4 } }] });
    const grid = await pngCodec().decode(new Uint8Array(await readFile(join(dir, 'grid.png'))));
    expect(grid.width).toBeGreaterThan(4 * 16); // 12 images of 16×16 in 4 class columns, with captions
    const featuresFile = join(dir, 'features.safetensors');
    const fromFile = await cdm(['eval', manifest, ...quick(...ddpm, '--aug-level', '0,0', '--handover', handover, '--save-features', featuresFile)]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.json().metrics.fid.value).toBe(saved.json().metrics.fid.value);
    // --save-features keeps both feature sets, in sampling order: the report's FID follows from them.
    const features = decodeFeatureFile(new Uint8Array(await readFile(featuresFile)), featuresFile);
    expect(features).toMatchObject({ count: 12, realCount: 12, extractor: 'procedural-classifier-v1', provenance: { cascade: manifest, seed: 1, handover, level: 0 } });
    expect(Array.from(features.labels!)).toEqual(Array.from(file.labels!));
    expect(fid(featureStatistics(features.samples, 12, features.featureDim, 'x'), featureStatistics(features.real, 12, features.featureDim, 'x')).fid).toBeCloseTo(fromFile.json().metrics.fid.value, 6);
    expect(fromFile.json().savedFeatures).toBe(featuresFile);
    expect(fromFile.json().handover).toMatchObject({ file: handover, level: 0, seed: 1 });
    // The same outputs and the same inputs: the same colour shift, whether the base ran or its images were read back.
    expect(fromFile.json().metrics.colourShift).toEqual(saved.json().metrics.colourShift);

    const truncated = ['--aug-level', '0,34', '--truncate'];
    const full = await cdm(['eval', manifest, ...quick(...ddpm, ...truncated)]);
    const fromState = await cdm(['eval', manifest, ...quick(...ddpm, ...truncated, '--handover', handover)]);
    expect(fromState.json().handover.level).toBe(34);
    expect(fromState.json().metrics.fid.value).toBe(full.json().metrics.fid.value);
    // A truncated hand-over sampled in full never has the clean images; from the file, level 0 is there.
    expect(full.json().metrics.colourShift.skipped).toContain('level 0');
    expect(fromState.json().metrics.colourShift.channels).toHaveLength(3);
    // (The micro networks' zero-initialised output layers ignore their input, so the FIDs above compare
    // the noise; the cascade's own tests check that the hand-over really conditions the stage.)
    const [clean, atLevel] = [file.levels.get(0)!, file.levels.get(34)!];
    expect(Math.max(...clean.map((v, i) => Math.abs(v - atLevel[i]!)))).toBeGreaterThan(0.05);

    const missing = await cdm(['eval', manifest, ...quick(...ddpm, '--aug-level', '0,1', '--truncate', '--handover', handover)]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('expected images at level 1 for a truncated hand-over at s = 1 (record them with --save-handover --handover-levels 1)');
    const wrongLevel = await cdm(['eval', manifest, ...quick(...ddpm, '--save-handover', join(dir, 'x.safetensors'), '--handover-levels', '30')]);
    expect(wrongLevel.code).toBe(2);
    expect(wrongLevel.stderr).toContain('Invalid --handover-levels: expected levels stage "base" passes through with these sampling settings (1, 34, 67), got "30"');
    const both = await cdm(['eval', manifest, '--handover', handover, '--save-handover', join(dir, 'y.safetensors')]);
    expect(both.stderr).toContain('Invalid --save-handover: expected nothing with --handover');
    const notHandover = await cdm(['eval', manifest, '--handover', join(dir, 'sr16', 'model.safetensors')]);
    expect(notHandover.code).toBe(2);
    expect(notHandover.stderr).toContain('expected a hand-over file written by cdm eval --save-handover');
    const tooFew = await cdm(['eval', manifest, '--n', '20', '--handover', handover]);
    expect(tooFew.stderr).toContain('Invalid --handover: expected at least --n (20) images');
  }, 300_000);

  it('names bad flags (exit 2)', async () => {
    const metric = await cdm(['eval', manifest, '--metrics', 'fid,lpips']);
    expect(metric.code).toBe(2);
    expect(metric.stderr).toContain('Invalid --metrics: expected one of fid, kid, is, pr, cas, got "lpips"');
    const bootstrap = await cdm(['eval', manifest, '--bootstrap', '1']);
    expect(bootstrap.stderr).toContain('Invalid --bootstrap: expected 0 (no intervals) or at least 2 resamples, got "1"');
    const subset = await cdm(['eval', manifest, '--n', '10', '--kid-subset-size', '20']);
    expect(subset.stderr).toContain('Invalid --kid-subset-size: expected an integer from 2 to --n (10), got "20"');
    const both = await cdm(['eval', manifest, '--graph-model', 'g', '--extractor', 'e']);
    expect(both.stderr).toContain('Invalid --extractor: expected nothing with --graph-model (it is the extractor), got "e"');
    const k = await cdm(['eval', manifest, '--n', '3', '--k', '3']);
    expect(k.stderr).toContain('Invalid --k: expected an integer below --n (3), got "3"');
    const node = await cdm(['eval', manifest, '--feature-node', 'pool']);
    expect(node.stderr).toContain('Invalid --feature-node: expected nothing without --graph-model, got "pool"');
    const dataset = await cdm(['eval', manifest, '--dataset', 'cifar10', '--extractor', 'procedural-classifier']);
    expect(dataset.code).toBe(3);
    expect(dataset.stderr).toContain(`No file at "${join(process.cwd(), 'cifar10')}" in the file system (--dataset)`);
    const one = await cdm(['eval', manifest, '--n', '1']);
    expect(one.stderr).toContain('Invalid --n: expected at least 2 (a covariance needs two samples), got "1"');
    const none = await cdm(['eval']);
    expect(none.stderr).toContain('Invalid cascade: expected a cascade.json path (or --demo for the bundled demo)');
  });

  it('refuses --metrics cas for a cascade whose classes are not procedural classes', async () => {
    const other = join(dir, 'other-classes.json');
    const json = JSON.parse(await readFile(manifest, 'utf8'));
    await writeFile(other, JSON.stringify({ ...json, classNames: ['cat', 'dog', 'circle', 'ring'] }));
    const { code, stderr } = await cdm(['eval', other, ...quick('--metrics', 'cas', '--cache-dir', join(dir, 'cache4'))]);
    expect(code).toBe(2);
    expect(stderr).toContain('Invalid --metrics cas: expected a class-conditional cascade whose classNames are procedural classes (classes not in the procedural dataset: cat, dog)');
    // Without CAS it runs as before, and warns that procedural shapes are not this cascade's images.
    const warned = await cdm(['eval', other, ...quick('--metrics', 'fid', '--bootstrap', '0', '--cache-dir', join(dir, 'cache4'), '--json')]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^WARNING: the real images are procedural shapes, but the cascade's classes are not \(classes not in the procedural dataset: cat, dog\)/m);
    expect(warned.json().warnings).toHaveLength(1);
  });
});
