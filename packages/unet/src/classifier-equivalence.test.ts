import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, toFloat32 } from '@cdm/core';
import { assertClose, compareToReference } from '@cdm/core/testing';
import { describe, it } from 'vitest';
import { resolveClassifierConfig } from './classifier-config';
import { createAdmClassifier } from './encoder-unet';
import { assignParameters, importStateDict } from './state-dict';

/**
 * Each fixture holds a small classifier's weights (PyTorch layout, every parameter random, the
 * zero-initialised head and the positional embedding included), an NCHW input batch, timesteps, and
 * the logits that scripts/torch_reference.py computed in float64 with its own PyTorch version of
 * guided-diffusion's `EncoderUNetModel` (`load_state_dict(strict=True)` checked every name and
 * shape there). Regenerate with scripts/make-fixtures.sh.
 */
const FIXTURES = ['classifier-attention-pool', 'classifier-adaptive-pool'];

/** max |ours − reference| / max |reference|: float32 against float64. */
const TOLERANCE = 1e-5;

const CASES = ['cpu', 'wasm'].flatMap((backend) => FIXTURES.map((name) => [backend, name] as const));

describe('classifier: numerical equivalence with the PyTorch reference', () => {
  it.each(CASES)('%s: %s', async (backend, name) => {
    await tf.setBackend(backend);
    const file = readSafetensors(readFileSync(new URL(`./fixtures/${name}.safetensors`, import.meta.url)));
    const model = createAdmClassifier(resolveClassifierConfig(JSON.parse(file.metadata.config!)), { initialize: 'zeros' });
    assignParameters(model.parameters(), importStateDict(model.architecture.parameters, file.tensors, name, (n) => n.startsWith('fixture.')));
    const input = file.tensors.get('fixture.x')!;
    const [b, c, h, w] = input.shape as [number, number, number, number];
    const x = tf.tidy(() => tf.transpose(tf.tensor4d(toFloat32(input), [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
    const t = tf.tensor1d(toFloat32(file.tensors.get('fixture.t')!), 'int32');
    const logits = model.forward(x, t);
    const expected = file.tensors.get('fixture.expected')!;
    const comparison = compareToReference(
      `${backend} ${name}`,
      { shape: logits.shape, values: await logits.data() },
      { shape: expected.shape, values: Float64Array.from(toFloat32(expected)) },
      TOLERANCE,
    );
    console.log(comparison.message);
    assertClose([comparison]);
    tf.dispose([x, t, logits]);
    model.dispose();
  });
});
