// The metrics of a perfect generator, for scale: N real 32×32 procedural images from a world no
// model trained on (WORLD, default 4242) scored exactly as `cdm eval` scores samples, against the
// same held-out real set (world 7919, examples 0 … N−1) with the same shipped classifier. No
// cascade can do better than this row except by chance; FID at this N is not 0 but the
// finite-sample distance between two sets of real images.
//
//   node docs/ablation/real-floor.mjs        # prints JSON; N=… WORLD=… to change them
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { fsStorage } from '@cdm/backend-node';
import { proceduralDataset } from '@cdm/cascade';
import {
  extractFeatures,
  featureStatistics,
  fid,
  inceptionScore,
  precisionRecall,
  proceduralClassifierExtractor,
  renderProceduralExamples,
  topKAccuracy,
} from '@cdm/cascade/eval';

const N = Number(process.env.N ?? 250);
const WORLD = Number(process.env.WORLD ?? 4242);
const REFERENCE_WORLD = 7919;
const RESOLUTION = 32;

await tf.setBackend('cpu');
const cascadeDir = dirname(createRequire(import.meta.url).resolve('@cdm/cascade/package.json'));
const classifier = await proceduralClassifierExtractor({ storage: fsStorage(cascadeDir) });
const features = async (worldSeed) => {
  const set = renderProceduralExamples(proceduralDataset({ resolution: RESOLUTION, worldSeed, size: 10 * (Math.ceil(N / 10) + 1) }), N);
  return { ...(await extractFeatures(classifier, set.images, N, RESOLUTION, { batchSize: 50 })), labels: set.labels };
};
const reference = await features(REFERENCE_WORLD);
const real = await features(WORLD);
const d = classifier.featureDim;
const pr = precisionRecall(reference.features, real.features, N, d, 3, { extractor: classifier.name });
console.log(JSON.stringify({
  extractor: classifier.name,
  samples: N,
  world: WORLD,
  referenceWorld: REFERENCE_WORLD,
  fid: fid(featureStatistics(real.features, N, d, classifier.name), featureStatistics(reference.features, N, d, classifier.name)).fid,
  precision: pr.precision,
  recall: pr.recall,
  inceptionScore: inceptionScore(real.logits, N, classifier.numClasses, 10, classifier.name).mean,
  classAccuracy: topKAccuracy(real.logits, real.labels, N, classifier.numClasses, 1),
}, null, 2));
classifier.dispose();
