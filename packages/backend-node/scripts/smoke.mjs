// Plain-Node smoke test of the built package (no vitest, no bundler): `npm run build && node scripts/smoke.mjs && node scripts/smoke.cjs`.
// Imports only @tensorflow/tfjs-core and this package, so gradients must come from the backend's init().
import * as tf from '@tensorflow/tfjs-core';
import { createBackendRegistry, selectBackend } from '@cdm/core';
import { registerNodeBackends } from '@cdm/backend-node';
import assert from 'node:assert/strict';

assert.equal(tf.getGradient('Conv2D'), undefined, 'tfjs-core alone registers no gradients');
const { backend, tried } = await selectBackend('auto', registerNodeBackends(createBackendRegistry()));
console.log(`backend: ${backend.name}; passed over: ${tried.map((t) => `${t.name} (${t.reason})`).join(', ')}`);
assert.equal(tf.getBackend(), 'wasm');

const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 2));
const loss = () => tf.mean(tf.square(tf.image.resizeNearestNeighbor(tf.conv2d(x, w, 2, 'same'), [8, 8])));
const before = (await loss().data())[0];
const optimizer = tf.train.adam(0.05);
for (let i = 0; i < 20; i++) tf.dispose(optimizer.minimize(loss, true, [w]));
const after = (await loss().data())[0];
console.log(`loss ${before.toFixed(4)} → ${after.toFixed(4)} after 20 Adam steps on ${tf.getBackend()}`);
assert.ok(after < before, 'training lowers the loss');
console.log('smoke: ok');
