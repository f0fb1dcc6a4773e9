import { errors, joinPath, type Storage } from '@cdm/core';
import type { FeatureExtractor } from './feature-extractor';
import { fingerprint } from './fingerprint';
import { smallConvnetExtractor } from './procedural-classifier-extractor';
import { createSmallConvnet, resolveSmallConvnetConfig, type SmallConvnet } from './small-convnet';
import { SMALL_CONVNET_FORMAT, assignSmallConvnetWeights, encodeSmallConvnetWeights } from './small-convnet-checkpoint';

export const EXTRACTOR_FORMAT = 'cdm-extractor';
/** The files of an extractor directory. */
export const EXTRACTOR_FILE = 'extractor.json';
export const EXTRACTOR_WEIGHTS = 'weights.safetensors';

/** How an extractor was trained; `heldOutAccuracy` is measured on images training never saw. */
export interface ExtractorTrainingRecord extends Readonly<Record<string, unknown>> {
  readonly heldOutAccuracy: number;
}

/** `extractor.json`: a feature extractor trained on a user's labelled images. */
export interface ExtractorFile {
  readonly format: typeof EXTRACTOR_FORMAT;
  readonly version: 1;
  /** What reports call the extractor; numbers from extractors of different names or fingerprints are not comparable. */
  readonly name: string;
  /** The classes of its logits, in label order (the image folder's sorted sub-folder names). */
  readonly classNames: readonly string[];
  /** Side of the images it was trained on; other sizes are resized to it (bilinear). */
  readonly resolution: number;
  /** 1 (grey) or 3 (RGB): the channels `extract` takes. */
  readonly channels: 1 | 3;
  /** The network: a {@link SmallConvnet} with these convolution widths, feature width and seed. */
  readonly architecture: { readonly type: 'small-convnet'; readonly channels: readonly number[]; readonly hidden: number; readonly numClasses: number; readonly seed: number };
  readonly training: ExtractorTrainingRecord;
  /** The weights file and its content hash ({@link fingerprint}), checked on load. */
  readonly weights: { readonly file: typeof EXTRACTOR_WEIGHTS; readonly fingerprint: string };
}

/** A loaded trained extractor: features are the network's penultimate layer, logits its last. */
export interface TrainedExtractor extends FeatureExtractor {
  readonly fingerprint: string;
  readonly numClasses: number;
  readonly channels: 1 | 3;
  readonly classNames: readonly string[];
  readonly file: ExtractorFile;
  readonly net: SmallConvnet;
}

/**
 * Saves `net` as an extractor directory: `weights.safetensors` (PyTorch layout, as the shipped
 * classifier) and `extractor.json` with the weights' fingerprint. Returns what it wrote to extractor.json.
 */
export async function saveExtractor(
  storage: Storage,
  dir: string,
  net: SmallConvnet,
  info: { readonly name: string; readonly classNames: readonly string[]; readonly training: ExtractorTrainingRecord },
): Promise<ExtractorFile> {
  const { imageSize, inputChannels, channels, hidden, numClasses, seed } = net.config;
  if (inputChannels !== 1 && inputChannels !== 3) throw errors.invalidArgument('net inputChannels', '1 or 3', inputChannels);
  if (info.classNames.length !== numClasses) throw errors.invalidArgument('classNames', `${numClasses} names (the network's classes)`, info.classNames);
  const bytes = await encodeSmallConvnetWeights(net);
  const file: ExtractorFile = {
    format: EXTRACTOR_FORMAT,
    version: 1,
    name: info.name,
    classNames: [...info.classNames],
    resolution: imageSize,
    channels: inputChannels,
    architecture: { type: 'small-convnet', channels: [...channels], hidden, numClasses, seed },
    training: info.training,
    weights: { file: EXTRACTOR_WEIGHTS, fingerprint: fingerprint(bytes) },
  };
  await storage.write(joinPath(dir, EXTRACTOR_WEIGHTS), bytes);
  await storage.write(joinPath(dir, EXTRACTOR_FILE), new TextEncoder().encode(`${JSON.stringify(file, null, 2)}\n`));
  return file;
}

/** Checks a parsed extractor.json; `source` names it in errors. */
function checkExtractorFile(json: unknown, source: string): ExtractorFile {
  const file = json as Partial<ExtractorFile> | null;
  if (typeof file !== 'object' || file === null || file.format !== EXTRACTOR_FORMAT || file.version !== 1) {
    throw errors.invalidArgument(`${source} format/version`, `"${EXTRACTOR_FORMAT}" version 1 (written by cdm extractor train)`, `${String(file?.format)} ${String(file?.version)}`);
  }
  const { name, classNames, resolution, channels, architecture, weights, training } = file;
  if (typeof name !== 'string' || name === '') throw errors.invalidArgument(`${source} name`, 'a non-empty string', name);
  if (!Array.isArray(classNames) || classNames.some((c) => typeof c !== 'string')) throw errors.invalidArgument(`${source} classNames`, 'a list of strings', classNames);
  if (channels !== 1 && channels !== 3) throw errors.invalidArgument(`${source} channels`, '1 or 3', channels);
  if (architecture?.type !== 'small-convnet') throw errors.invalidArgument(`${source} architecture.type`, '"small-convnet"', architecture?.type);
  if (architecture.numClasses !== classNames.length) throw errors.invalidArgument(`${source} architecture.numClasses`, `${classNames.length} (one per class name)`, architecture.numClasses);
  if (typeof weights?.fingerprint !== 'string' || weights.file !== EXTRACTOR_WEIGHTS) {
    throw errors.invalidArgument(`${source} weights`, `{ "file": "${EXTRACTOR_WEIGHTS}", "fingerprint": "<hash>" }`, JSON.stringify(weights));
  }
  if (typeof training?.heldOutAccuracy !== 'number') throw errors.invalidArgument(`${source} training.heldOutAccuracy`, 'a number', training?.heldOutAccuracy);
  if (!Number.isInteger(resolution)) throw errors.invalidArgument(`${source} resolution`, 'an integer', resolution);
  return file as ExtractorFile;
}

/**
 * Loads an extractor directory written by {@link saveExtractor} through any `Storage`. Its `name`
 * is extractor.json's name, its `fingerprint` the hash of weights.safetensors, which must match the
 * one recorded at training (else the weights were replaced and the record no longer describes them).
 */
export async function loadExtractor(options: { readonly storage: Storage; readonly path: string; readonly signal?: AbortSignal }): Promise<TrainedExtractor> {
  const { storage, path } = options;
  const read = (name: string) => storage.read(joinPath(path, name), options.signal === undefined ? {} : { signal: options.signal });
  const source = joinPath(path, EXTRACTOR_FILE);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read(EXTRACTOR_FILE)));
  } catch (error) {
    if (error instanceof SyntaxError) throw errors.invalidArgument(source, 'a JSON file', error.message);
    throw error;
  }
  const file = checkExtractorFile(json, source);
  const { architecture: a } = file;
  const config = resolveSmallConvnetConfig({ imageSize: file.resolution, inputChannels: file.channels, channels: a.channels, hidden: a.hidden, numClasses: a.numClasses, seed: a.seed });
  const bytes = await read(EXTRACTOR_WEIGHTS);
  const hash = fingerprint(bytes);
  if (hash !== file.weights.fingerprint) {
    throw errors.invalidArgument(`${source} weights.fingerprint`, `${hash}, the hash of ${EXTRACTOR_WEIGHTS} (were the weights replaced after training?)`, file.weights.fingerprint);
  }
  const net = createSmallConvnet(config);
  try {
    assignSmallConvnetWeights(net, bytes, joinPath(path, EXTRACTOR_WEIGHTS));
  } catch (error) {
    net.dispose();
    throw error;
  }
  const inner = smallConvnetExtractor(net, { format: SMALL_CONVNET_FORMAT, version: 1, name: file.name, ...config }, hash);
  return {
    name: file.name,
    fingerprint: hash,
    featureDim: inner.featureDim,
    numClasses: inner.numClasses,
    channels: file.channels,
    classNames: file.classNames,
    file,
    net,
    extract: (images) => inner.extract(images),
    dispose: () => inner.dispose(),
  };
}
