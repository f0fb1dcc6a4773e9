import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors, toFloat32, type SafetensorsTensor } from '@cdm/core';
import { assertClose, compareToReference } from '@cdm/core/testing';
import { describe, it } from 'vitest';
import { resolveUnetConfig } from './config';
import { assignParameters, importStateDict } from './state-dict';
import { createAdmUnet } from './unet';

/**
 * Each fixture holds a small network's weights (PyTorch layout), an input batch (NCHW) and the
 * output that scripts/torch_reference.py computed for them in float64 with its own PyTorch
 * implementation of guided-diffusion's modules (`load_state_dict(strict=True)` there also checked
 * every name and shape). Regenerate with scripts/make-fixtures.sh.
 */
const FIXTURES = ['sr-adagn-updown-legacy', 'sr-bicubic-new-order', 'base-avgpool-nearest'];

/** max |ours − reference| / max |reference|: float32 against float64 through ~30 layers. */
const TOLERANCE = 1e-5;

/** NCHW → NHWC. */
function toNhwc(tensor: SafetensorsTensor): tf.Tensor4D {
  const [b, c, h, w] = tensor.shape as [number, number, number, number];
  return tf.tidy(() => tf.transpose(tf.tensor4d(toFloat32(tensor), [b, c, h, w]), [0, 2, 3, 1]));
}

const CASES = ['cpu', 'wasm'].flatMap((backend) => FIXTURES.map((name) => [backend, name] as const));

describe('numerical equivalence with the PyTorch reference', () => {
  it.each(CASES)('%s: %s', async (backend, name) => {
    await tf.setBackend(backend);
    const file = readSafetensors(readFileSync(new URL(`./fixtures/${name}.safetensors`, import.meta.url)));
    const config = resolveUnetConfig(JSON.parse(file.metadata.config!));
    const model = createAdmUnet(config, { initialize: 'zeros' });
    assignParameters(
      model.parameters(),
      importStateDict(model.architecture.parameters, file.tensors, name, (n) => n.startsWith('fixture.')),
    );
    const get = (key: string) => file.tensors.get(`fixture.${key}`);
    const vector = (key: string, dtype: 'int32' | 'float32') => {
      const t = get(key);
      return t === undefined ? undefined : tf.tensor1d(toFloat32(t), dtype);
    };
    const x = toNhwc(get('x')!);
    const t = vector('t', 'int32')!;
    const classLabels = vector('y', 'int32');
    const augLevel = vector('aug_level', 'float32');
    const lowRes = get('low_res') === undefined ? undefined : toNhwc(get('low_res')!);
    const out = model.forward(x, t, {
      ...(classLabels && { classLabels }),
      ...(augLevel && { augLevel }),
      ...(lowRes && { lowRes }),
    });
    const expected = toNhwc(get('expected')!);
    const comparison = compareToReference(`${backend} ${name}`, { shape: out.shape, values: await out.data() }, { shape: expected.shape, values: Float64Array.from(await expected.data()) }, TOLERANCE);
    console.log(comparison.message);
    assertClose([comparison]);
    tf.dispose([x, t, classLabels, augLevel, lowRes, out, expected]);
    model.dispose();
  });
});
