// node bench/train-rss.mjs --preset tiny-32 --batch 16 [--native-threads 2] [--checkpoint yes] [--steps 3]: a fresh process that
// builds @cdm/unet's preset on the wasm backend and runs --steps training steps (forward with the
// config's dropout, backward, Adam; with --checkpoint yes, @cdm/unet's gradient checkpointing), then
// prints { peakRssBytes } as one JSON line. A process of
// its own, because the peak RSS of the benchmark's main process carries every earlier run.
import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry } from '@cdm/core';
import { registerNodeBackends } from '@cdm/backend-node';
import { createAdam } from '@cdm/cascade';
import { UNET_PRESETS, createAdmUnet, resolveUnetConfig } from '@cdm/unet';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const batch = Number(args.batch ?? 16);
const nativeThreads = args['native-threads'] === undefined ? undefined : Number(args['native-threads']);
const registry = registerNodeBackends(createBackendRegistry(), { wasm: nativeThreads === undefined ? {} : { nativeThreads } });
await registry.get('wasm').init();

const config = resolveUnetConfig(UNET_PRESETS[args.preset ?? 'tiny-32']);
const checkpoint = args.checkpoint === 'yes';
const net = createAdmUnet(config, { gradientCheckpointing: checkpoint });
const params = net.parameters();
const adam = createAdam(params);
const size = config.imageSize;
const x = tf.randomNormal([batch, size, size, config.inChannels], 0, 1, 'float32', 3);
const target = tf.randomNormal([batch, size, size, config.outChannels], 0, 1, 'float32', 4);
const t = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 61) % 1000), 'int32');
const labels = config.numClasses ? tf.tensor1d(Array.from({ length: batch }, (_, i) => i % config.numClasses), 'int32') : undefined;
const lowRes = config.superRes ? tf.randomNormal([batch, size / 2, size / 2, config.superRes.lowResChannels], 0, 1, 'float32', 5) : undefined;
const augLevel = config.augLevelEmbedding ? tf.zeros([batch]) : undefined;
const cond = { ...(labels ? { classLabels: labels } : {}), ...(lowRes ? { lowRes } : {}), ...(augLevel ? { augLevel } : {}) };
const steps = Number(args.steps ?? 3);
const names = [...params.keys()];
const variables = [...params.values()];
for (let step = 0; step < steps; step++) {
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.forward(x, t, cond, { training: true }), target)), variables);
  adam.apply(Object.fromEntries(names.map((name, i) => [name, grads[variables[i].name]])), 1e-4);
  await value.data();
  tf.dispose([value, ...Object.values(grads)]);
}
console.log(JSON.stringify({ peakRssBytes: process.resourceUsage().maxRSS * 1024, batch, preset: args.preset ?? 'tiny-32', dropout: config.dropout, checkpoint }));
