import { describe, expect, it } from 'vitest';
import * as ref from './reference-ops';

const values = (a: ref.NdArray) => Array.from(a.values);

describe('reference ops', () => {
  it("conv2d pads 'same' like TensorFlow: the odd pixel of padding goes at the end", () => {
    // 4x4 image of ones, 3x3 filter of ones, stride 2: out 2x2, padding 0 before and 1 after.
    const x = ref.nd([1, 4, 4, 1], new Array(16).fill(1));
    const f = ref.nd([3, 3, 1, 1], new Array(9).fill(1));
    expect(ref.conv2d(x, f, 2, 'same')).toEqual(ref.nd([1, 2, 2, 1], [9, 6, 6, 4]));
    expect(ref.conv2d(x, f, 1, 'valid')).toEqual(ref.nd([1, 2, 2, 1], [9, 9, 9, 9]));
  });

  it('matMul honours transposes and batches', () => {
    const a = ref.nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(values(ref.matMul(a, a, false, true))).toEqual([14, 32, 32, 77]);
    expect(values(ref.matMul(a, a, true, false))).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
    expect(ref.matMul(ref.reshape(a, [1, 2, 3]), ref.nd([1, 3, 1], [1, 1, 1]))).toEqual(ref.nd([1, 2, 1], [6, 15]));
  });

  it('broadcasts, reduces, transposes, gathers, concatenates and upsamples', () => {
    const a = ref.nd([2, 1], [1, 2]);
    const b = ref.nd([3], [10, 20, 30]);
    expect(ref.add(a, b)).toEqual(ref.nd([2, 3], [11, 21, 31, 12, 22, 32]));
    const m = ref.nd([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(ref.sum(m, [0])).toEqual(ref.nd([3], [5, 7, 9]));
    expect(ref.mean(m, [-1], true)).toEqual(ref.nd([2, 1], [2, 5]));
    expect(ref.transpose(m, [1, 0])).toEqual(ref.nd([3, 2], [1, 4, 2, 5, 3, 6]));
    expect(ref.gather(m, [2, 0, 2], 1)).toEqual(ref.nd([2, 3], [3, 1, 3, 6, 4, 6]));
    expect(ref.concat([m, ref.nd([2, 1], [7, 8])], 1)).toEqual(ref.nd([2, 4], [1, 2, 3, 7, 4, 5, 6, 8]));
    expect(values(ref.resizeNearestNeighbor(ref.nd([1, 1, 2, 1], [1, 2]), [2, 4]))).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    const [p0, p1] = values(ref.softmax(ref.nd([1, 2], [1000, 1000 + Math.log(3)])));
    expect([p0, p1]).toEqual([expect.closeTo(0.25, 12), expect.closeTo(0.75, 12)]);
  });

  it('numericGradient is exact for a quadratic', () => {
    const [g] = ref.numericGradient(([x]) => values(x!).reduce((s, v, i) => s + (i + 1) * v * v, 0), [ref.nd([3], [1, -2, 0.5])]);
    values(g!).forEach((v, i) => expect(v).toBeCloseTo([2, -8, 3][i]!, 9));
  });
});
