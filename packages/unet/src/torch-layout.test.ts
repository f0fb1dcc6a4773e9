import { describe, expect, it } from 'vitest';
import type { ParameterSpec } from './architecture';
import { fromTorchLayout, toTorchLayout } from './torch-layout';

const spec = (layout: ParameterSpec['layout'], torchShape: number[]): ParameterSpec => ({ name: 'p', layout, torchShape, init: { kind: 'zeros' } });
const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('PyTorch ↔ tfjs layouts', () => {
  it('puts conv kernel element [o, i, y, x] at HWIO [y, x, i, o]', () => {
    const s = spec('conv2d', [4, 3, 2, 5]); // O I H W
    const torch = iota(4 * 3 * 2 * 5);
    const tfjs = fromTorchLayout(s, torch);
    for (const [o, i, y, x] of [
      [0, 0, 0, 0],
      [3, 2, 1, 4],
      [1, 2, 0, 3],
    ] as const) {
      expect(tfjs[((y * 5 + x) * 3 + i) * 4 + o]).toBe(torch[((o * 3 + i) * 2 + y) * 5 + x]);
    }
    expect(toTorchLayout(s, tfjs)).toEqual(torch);
  });

  it('transposes linear and 1-D conv weights, and leaves vectors and embeddings alone', () => {
    const linear = fromTorchLayout(spec('linear', [2, 3]), Float32Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(linear)).toEqual([1, 4, 2, 5, 3, 6]);
    const conv1d = spec('conv1d', [2, 3, 1]);
    expect(Array.from(fromTorchLayout(conv1d, Float32Array.from([1, 2, 3, 4, 5, 6])))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(toTorchLayout(conv1d, fromTorchLayout(conv1d, iota(6)))).toEqual(iota(6));
    expect(fromTorchLayout(spec('embedding', [2, 3]), iota(6))).toEqual(iota(6));
    expect(fromTorchLayout(spec('vector', [6]), iota(6))).toEqual(iota(6));
  });
});
