import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cdm, micro, microBaseConfig, tempDir, writeMicroCascade } from '../testing/micro-cascade';
import { writeLabelledFolder } from '../testing/labelled-folder';

/** Folder names as scripts/fetch-fashion-mnist.mjs writes them (<k>-<class>), so sorted order is label order. */
const CLASSES = ['0-circle', '1-square', '2-star', '3-ring'];
let dir: string;
let train: string;
let test: string;
let manifest: string;

beforeAll(async () => {
  dir = await tempDir('cdm-extractor-');
  train = await writeLabelledFolder(join(dir, 'data', 'train'), { classes: CLASSES, perClass: 6, size: 16, channels: 3, seed: 1 });
  test = await writeLabelledFolder(join(dir, 'data', 'test'), { classes: CLASSES, perClass: 4, size: 16, channels: 3, seed: 2 });
  manifest = await writeMicroCascade(dir, { classNames: CLASSES });
});

/** A quick extractor: two epochs of a two-convolution network. */
const quickTrain = (out: string, ...extra: string[]) => ['extractor', 'train', '--dataset', train, '--out', out, '--epochs', '2', '--batch', '8', '--widths', '8,16', '--hidden', '16', '--backend', 'wasm', ...extra];
/** A quick evaluation of the micro cascade against the test folder. */
const quickEval = (cascade: string, extractor: string, ...extra: string[]) => [
  'eval', cascade, '--dataset', test, '--extractor', extractor,
  '--n', '12', '--batch', '6', '--steps', '2', '--cas-epochs', '2', '--bootstrap', '20', '--kid-subsets', '10', '--backend', 'wasm', ...extra,
];

describe('cdm extractor train, then cdm eval --dataset <folder> --extractor <dir>', () => {
  let extractorDir: string;
  let fingerprint: string;

  it('trains on the folder with a held-out split and writes extractor.json and weights.safetensors', async () => {
    extractorDir = join(dir, 'extractors', 'shapes');
    const { code, stderr, json } = await cdm([...quickTrain(extractorDir), '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = json();
    // 6 images per class: round(0.1·6) = 1 of each is held out.
    expect(result).toMatchObject({ ok: true, out: extractorDir, name: 'shapes', classNames: CLASSES, resolution: 16, channels: 3 });
    expect(result.training).toMatchObject({ images: 24, trainImages: 20, heldOutImages: 4, epochs: 2, dataset: train });
    expect(result.training.heldOutAccuracy >= 0 && result.training.heldOutAccuracy <= 1).toBe(true);
    expect(result.fingerprint).toMatch(/^[0-9a-f]{8}$/);
    fingerprint = result.fingerprint;
    const file = JSON.parse(await readFile(join(extractorDir, 'extractor.json'), 'utf8'));
    expect(file).toMatchObject({ format: 'cdm-extractor', version: 1, name: 'shapes', architecture: { type: 'small-convnet', channels: [8, 16], hidden: 16, numClasses: 4 }, weights: { file: 'weights.safetensors', fingerprint } });
    expect((await readFile(join(extractorDir, 'weights.safetensors'))).byteLength).toBeGreaterThan(1000);
  });

  it('evaluates against the folder with the trained extractor: FID, KID, precision/recall with intervals, naming both', async () => {
    const out = join(dir, 'eval.json');
    const { code, stdout, stderr } = await cdm([...quickEval(manifest, extractorDir, '--out', out, '--json')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(report);
    expect(report).toMatchObject({ ok: true, extractor: 'shapes', extractorFingerprint: fingerprint, warnings: [], samples: 12, resolution: 16 });
    expect(report.extractorInfo).toMatchObject({ name: 'shapes', fingerprint, kind: 'trained', path: extractorDir, classNames: CLASSES, channels: 3 });
    expect(report.real).toEqual({ dataset: 'image-folder', path: test, classes: CLASSES, count: 12, images: 16, seed: 0, channels: 3, referenceStatistics: null, cached: false });
    const { fid, kid, pr, is, classAccuracy, cas } = report.metrics;
    expect(fid.value).toBeGreaterThan(0); // random micro weights: far from the images
    expect(fid.extractor).toBe('shapes');
    expect(fid.bootstrap).toMatchObject({ resamples: 20, level: 0.95 });
    expect(fid.bootstrap.low).toBeLessThanOrEqual(fid.bootstrap.high);
    expect(fid.bootstrap.std).toBeGreaterThan(0);
    expect(kid).toMatchObject({ subsets: 10, subsetSize: 6, extractor: 'shapes' }); // ⌊12 / 2⌋: subsets that differ
    expect(Number.isFinite(kid.mean)).toBe(true);
    expect(kid.std).toBeGreaterThan(0);
    expect(kid.mean).toBeGreaterThan(0);
    for (const which of ['precision', 'recall']) {
      expect(pr[which] >= 0 && pr[which] <= 1).toBe(true);
      expect(pr.bootstrap[which]).toMatchObject({ resamples: 20, level: 0.95 });
      expect(pr.bootstrap[which].low).toBeLessThanOrEqual(pr.bootstrap[which].high);
    }
    expect(is).toMatchObject({ extractor: 'shapes', splits: 10 });
    // The trained extractor knows the cascade's classes, so it judges whether samples show their class.
    expect(classAccuracy.extractor).toBe('shapes');
    expect(classAccuracy.interval.low).toBeLessThanOrEqual(classAccuracy.value);
    expect(cas).toMatchObject({ trainExamples: 12, testExamples: 12, classifier: 'small-convnet[8,16]/16' });
    expect(cas.top1Interval.high).toBeGreaterThanOrEqual(cas.top1);
  }, 60_000);

  it('prints the metrics with their intervals in a table', async () => {
    const { code, stdout } = await cdm([...quickEval(manifest, extractorDir, '--metrics', 'fid,kid,pr', '--out', join(dir, 'table.json'))]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^metric +value +95 % interval +std +from$/m);
    expect(stdout).toMatch(/^FID +\S+ +\S+ … \S+ +\S+ +bootstrap, B = 20$/m);
    expect(stdout).toMatch(/^KID +\S+ +\S+ +std over 10 subsets of 6$/m);
    expect(stdout).toMatch(/^KID \(shapes, 10 subsets of 6\): \S+ ± \S+$/m);
    expect(stdout).toMatch(/^precision +\S+ +\S+ … \S+ +\S+ +bootstrap, B = 20$/m);
    expect(stdout).toMatch(/^class accuracy +\d+\.\d % +\d+\.\d % … \d+\.\d % +Wilson, n = 12$/m);
  }, 60_000);

  it('refuses a cascade whose class names differ from the folder and the extractor, unless --allow-class-mismatch (which warns)', async () => {
    const reordered = join(dir, 'reordered.json');
    await writeFile(reordered, JSON.stringify({ ...JSON.parse(await readFile(manifest, 'utf8')), classNames: ['0-circle', '1-square', '3-ring', '2-star'] }));
    const refused = await cdm(quickEval(reordered, extractorDir));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`The classes of the cascade (${reordered}) ([0-circle, 1-square, 3-ring, 2-star]) differ from those of the reference folder ${test} ([0-circle, 1-square, 2-star, 3-ring])`);
    expect(refused.stderr).toContain('--allow-class-mismatch to compare anyway [CDM_CLASS_MISMATCH]');

    const allowed = await cdm([...quickEval(reordered, extractorDir, '--allow-class-mismatch', '--metrics', 'fid,cas', '--json')]);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toMatch(/^WARNING: The classes of the cascade .* differ from those of the reference folder .*compared anyway \(--allow-class-mismatch\)/m);
    expect(allowed.stderr).toMatch(/^WARNING: The classes of the cascade .* differ from those of the extractor shapes /m);
    const report = allowed.json();
    expect(report.warnings).toHaveLength(2);
    expect(report.metrics.cas).toEqual({ skipped: "the cascade's classes differ from the folder's" });
    expect(report.metrics.classAccuracy).toBeUndefined();
    expect(report.metrics.fid.value).toBeGreaterThan(0);
  }, 60_000);

  it('asks for an extractor with a folder, warns when the shipped one is named, and refuses a grey extractor for RGB samples', async () => {
    const none = await cdm(['eval', manifest, '--dataset', test]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`Invalid --extractor: expected with --dataset ${test}, an extractor trained on those classes (a directory written by cdm extractor train), or --graph-model`);
    const shipped = await cdm([...quickEval(manifest, 'procedural-classifier', '--metrics', 'fid', '--bootstrap', '0', '--json')]);
    expect(shipped.code).toBe(0);
    expect(shipped.stderr).toMatch(/^WARNING: the features come from procedural-classifier-v1, a classifier trained on procedural shapes/m);
    expect(shipped.json().metrics.fid.bootstrap).toBeUndefined();
    const grey = join(dir, 'extractors', 'grey');
    expect((await cdm(quickTrain(grey, '--channels', '1', '--epochs', '1'))).code).toBe(0);
    const refused = await cdm(quickEval(manifest, grey, '--metrics', 'fid'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Invalid images for grey: expected 1-channel (grey) images: this extractor takes grey images, got "3-channel images"');
    const missing = await cdm(quickEval(manifest, join(dir, 'nowhere')));
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(join(dir, 'nowhere', 'extractor.json'));
  }, 60_000);

  it("the README's recipe on the folder: cdm train on it, cdm cascade, then cdm eval --dataset <its test split> with an extractor trained on it", async () => {
    const config = microBaseConfig({
      runDir: 'runs/folder16',
      stageDir: 'stages/folder16',
      stage: {
        ...microBaseConfig().stage,
        name: 'folder16',
        resolution: 16,
        numClasses: CLASSES.length,
        nullClass: CLASSES.length,
        denoiser: { type: 'adm-unet', config: { ...micro({ imageSize: 16, attentionResolutions: [] }), seed: 3 } },
      },
      dataset: { type: 'image-folder', path: 'data/train' },
      training: { steps: 3, batchSize: 4, lr: 1e-3, classDropout: 0.2, logEvery: 1, seed: 5 },
    });
    await writeFile(join(dir, 'folder16.json'), JSON.stringify(config));
    const trained = await cdm(['train', join(dir, 'folder16.json'), '--backend', 'wasm', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.json()).toMatchObject({ ok: true, dataset: { images: 24, classes: CLASSES.map((name) => ({ name, count: 6 })) } });
    const cascade = join(dir, 'folder16.cascade.json');
    const assembled = await cdm(['cascade', join(dir, 'stages/folder16'), '--out', cascade]);
    expect(assembled.code, assembled.stderr).toBe(0);
    expect(JSON.parse(await readFile(cascade, 'utf8')).classNames).toEqual(CLASSES); // the folder's classes, from the stage

    const { code, stderr, json } = await cdm([...quickEval(cascade, extractorDir, '--metrics', 'fid,kid,pr', '--json', '--out', join(dir, 'recipe.json'))]);
    expect(stderr).toBe(''); // no class-mismatch warning: cascade, folder and extractor name the same classes
    expect(code).toBe(0);
    const { fid, kid, pr } = json().metrics;
    expect(fid.value).toBeGreaterThan(0);
    expect(fid.bootstrap.low).toBeLessThanOrEqual(fid.bootstrap.high);
    expect(kid.subsetSize).toBe(6);
    expect(kid.std).toBeGreaterThan(0);
    expect(pr.precision >= 0 && pr.precision <= 1 && pr.recall >= 0 && pr.recall <= 1).toBe(true);
  }, 120_000);
});
