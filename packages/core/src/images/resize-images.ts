import * as tf from '@tensorflow/tfjs-core';
import { errors } from '../errors';

/** How images are resampled: as PyTorch's `F.interpolate(mode=…, align_corners=False)`. */
export type ResizeMethod = 'bilinear' | 'bicubic';

/** The cubic convolution constant PyTorch uses for `mode="bicubic"` (Keys 1981 with a = −0.75). */
const CUBIC_A = -0.75;

function cubicNear(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1; // |x| ≤ 1
}

function cubicFar(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A; // 1 < |x| < 2
}

/**
 * The [outSize, inSize] matrix that resamples one axis as PyTorch's `F.interpolate(size=…,
 * align_corners=False)` does: source coordinate (i + ½)·in/out − ½; bilinear clamps it at 0,
 * bicubic reads 4 taps with indices clamped to the edge. Computed in float64.
 */
export function resamplingMatrix(inSize: number, outSize: number, method: ResizeMethod): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = inSize / outSize;
  const clampIndex = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const row = o * inSize;
    if (method === 'bilinear') {
      const src = Math.max(scale * (o + 0.5) - 0.5, 0);
      const i0 = Math.floor(src);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      const frac = src - i0;
      m[row + i0]! += 1 - frac;
      m[row + i1]! += frac;
    } else {
      const src = scale * (o + 0.5) - 0.5;
      const i0 = Math.floor(src);
      const t = src - i0;
      const weights = [cubicFar(t + 1), cubicNear(t), cubicNear(1 - t), cubicFar(2 - t)];
      weights.forEach((weight, k) => {
        m[row + clampIndex(i0 - 1 + k)]! += weight;
      });
    }
  }
  return m;
}

/**
 * Resizes NHWC images to [height, width] with a fixed resampling matrix per axis (two matmuls, all
 * tensors at most 4-D), identical on every backend. Interpolating to the same size is the identity:
 * the result is then a copy. The result is always a new tensor, owned by the caller.
 */
export function resizeImages(images: tf.Tensor4D, height: number, width: number, method: ResizeMethod): tf.Tensor4D {
  const [b, h, w, c] = images.shape;
  for (const [name, size] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(size) || size < 1) throw errors.invalidArgument(name, 'a positive integer', size);
  }
  if (method !== 'bilinear' && method !== 'bicubic') throw errors.invalidArgument('method', "'bilinear' or 'bicubic'", method);
  if (h === height && w === width) return tf.clone(images);
  return tf.tidy((): tf.Tensor4D => {
    const mw = tf.tensor2d(Float32Array.from(resamplingMatrix(w, width, method)), [width, w]);
    const matH = tf.tensor2d(Float32Array.from(resamplingMatrix(h, height, method)), [height, h]);
    // Along W: [B, H, W, C] → [B, C, H, W] → rows of W → · Mwᵀ.
    const byW = tf.reshape(tf.transpose(images, [0, 3, 1, 2]), [b * c * h, w]);
    const alongW = tf.reshape(tf.matMul(byW, mw, false, true), [b, c, h, width]);
    // Along H: [B, C, H, W'] → [B, C, W', H] → rows of H → · Mhᵀ.
    const byH = tf.reshape(tf.transpose(alongW, [0, 1, 3, 2]), [b * c * width, h]);
    const alongH = tf.reshape(tf.matMul(byH, matH, false, true), [b, c, width, height]); // [B, C, W', H']
    return tf.transpose(alongH, [0, 3, 2, 1]) as tf.Tensor4D;
  });
}
