import * as tf from '@tensorflow/tfjs-core';
import { resizeImages, type Storage } from '@cdm/core';
import type { FeatureExtractor } from './feature-extractor';
import { loadSmallConvnet, type SmallConvnetFile } from './small-convnet-checkpoint';
import type { SmallConvnet } from './small-convnet';

/** Where the shipped procedural classifier lives inside the @cdm/cascade package. */
export const PROCEDURAL_CLASSIFIER_ASSET = 'assets/procedural-classifier';

export interface ProceduralClassifierExtractorOptions {
  /** Where `config.json` and `model.safetensors` are (e.g. fsStorage over the package's folder). */
  readonly storage: Storage;
  /** The directory in `storage`; default {@link PROCEDURAL_CLASSIFIER_ASSET}. */
  readonly path?: string;
  readonly signal?: AbortSignal;
}

/** A feature extractor backed by a loaded {@link SmallConvnet}, with its saved config. */
export interface ClassifierExtractor extends FeatureExtractor {
  readonly numClasses: number;
  readonly net: SmallConvnet;
  readonly file: SmallConvnetFile;
}

/**
 * The classifier this project trains on its procedural dataset (see
 * `scripts/train-procedural-classifier.mjs`), as a feature extractor: features are the penultimate
 * layer, logits the last. It was trained at 32×32; other sizes (the 16×16 base stage) are resized
 * to 32×32 bilinearly first. The extractor's `name` is the `name` in its config.json.
 */
export async function proceduralClassifierExtractor(options: ProceduralClassifierExtractorOptions): Promise<ClassifierExtractor> {
  const { net, file, fingerprint } = await loadSmallConvnet(options.storage, options.path ?? PROCEDURAL_CLASSIFIER_ASSET, options.signal === undefined ? {} : { signal: options.signal });
  return smallConvnetExtractor(net, file, fingerprint);
}

/** Wraps a network (loaded, or freshly trained as in CAS) as a {@link FeatureExtractor}; dispose() disposes the network. */
export function smallConvnetExtractor(net: SmallConvnet, file: SmallConvnetFile, fingerprint?: string): ClassifierExtractor {
  const { imageSize, hidden, numClasses, inputChannels } = net.config;
  return {
    name: file.name,
    ...(fingerprint === undefined ? {} : { fingerprint }),
    ...(inputChannels === 1 || inputChannels === 3 ? { channels: inputChannels } : {}),
    featureDim: hidden,
    numClasses,
    net,
    file,
    async extract(images) {
      const [features, logits] = tf.tidy(() => {
        const [, h, w] = images.shape;
        const x = h === imageSize && w === imageSize ? images : resizeImages(images, imageSize, imageSize, 'bilinear');
        const out = net.forward(x);
        return [out.features, out.logits];
      });
      try {
        return { features: (await features.data()) as Float32Array, logits: (await logits.data()) as Float32Array };
      } finally {
        tf.dispose([features, logits]);
      }
    },
    dispose: () => net.dispose(),
  };
}
