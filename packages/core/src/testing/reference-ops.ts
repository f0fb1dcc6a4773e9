import type { Rng } from '../rng';

/**
 * Plain-JavaScript float64 versions of the tensor ops a U-Net uses, written for clarity, not speed.
 * The backend conformance suite compares each tfjs backend against these, so a reference never
 * depends on another tfjs backend being right. Layouts follow tfjs: images NHWC, filters HWIO.
 */
export interface NdArray {
  readonly shape: readonly number[];
  readonly values: Float64Array;
}

export function nd(shape: readonly number[], values: ArrayLike<number>): NdArray {
  return { shape: [...shape], values: Float64Array.from(values) };
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((n, d) => n * d, 1);

/** Row-major strides: the flat distance between neighbours along each axis. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let axis = shape.length - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1]! * shape[axis + 1]!;
  return strides;
}

/** Calls `visit(coords, flat)` for every element, in row-major order. */
function forEachIndex(shape: readonly number[], visit: (coords: readonly number[], flat: number) => void): void {
  const total = sizeOf(shape);
  const coords = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    visit(coords, flat);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const next = coords[axis]! + 1;
      if (next < shape[axis]!) {
        coords[axis] = next;
        break;
      }
      coords[axis] = 0;
    }
  }
}

const at = (a: NdArray, i: number): number => a.values[i]!;

/** Standard normal values times `scale`, rounded to float32 so a float32 tensor holds them exactly. */
export function randomNormal(rng: Rng, shape: readonly number[], scale = 1): NdArray {
  const normals = rng.normalArray(sizeOf(shape));
  return nd(shape, Array.from(normals, (v) => Math.fround(v * scale)));
}

/** Uniform values in [low, high), rounded to float32. */
export function randomUniform(rng: Rng, shape: readonly number[], low: number, high: number): NdArray {
  const uniforms = rng.uniformArray(sizeOf(shape));
  return nd(shape, Array.from(uniforms, (u) => Math.fround(low + (high - low) * u)));
}

export function reshape(a: NdArray, shape: readonly number[]): NdArray {
  return { shape: [...shape], values: a.values };
}

export function map(a: NdArray, fn: (v: number) => number): NdArray {
  return { shape: a.shape, values: a.values.map(fn) };
}

/** Element-wise `fn(a, b)` with NumPy broadcasting (shapes aligned at the right; size-1 axes stretch). */
export function broadcast(a: NdArray, b: NdArray, fn: (x: number, y: number) => number): NdArray {
  const rank = Math.max(a.shape.length, b.shape.length);
  const padded = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const sa = padded(a.shape);
  const sb = padded(b.shape);
  const shape = sa.map((d, i) => Math.max(d, sb[i]!));
  const strideA = stridesOf(sa).map((s, i) => (sa[i] === 1 ? 0 : s));
  const strideB = stridesOf(sb).map((s, i) => (sb[i] === 1 ? 0 : s));
  const out = new Float64Array(sizeOf(shape));
  forEachIndex(shape, (coords, flat) => {
    let ia = 0;
    let ib = 0;
    coords.forEach((c, i) => {
      ia += c * strideA[i]!;
      ib += c * strideB[i]!;
    });
    out[flat] = fn(at(a, ia), at(b, ib));
  });
  return { shape, values: out };
}

export const add = (a: NdArray, b: NdArray): NdArray => broadcast(a, b, (x, y) => x + y);
export const mul = (a: NdArray, b: NdArray): NdArray => broadcast(a, b, (x, y) => x * y);

/** Sum over `axes` (all when omitted; negative counts from the end). */
export function sum(a: NdArray, axes?: readonly number[], keepDims = false): NdArray {
  const rank = a.shape.length;
  const reduced = new Set((axes ?? a.shape.map((_, i) => i)).map((axis) => (axis < 0 ? axis + rank : axis)));
  const keptShape = a.shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const keptStrides = stridesOf(keptShape);
  const out = new Float64Array(sizeOf(keptShape));
  forEachIndex(a.shape, (coords, flat) => {
    let target = 0;
    coords.forEach((c, i) => {
      if (!reduced.has(i)) target += c * keptStrides[i]!;
    });
    out[target] = out[target]! + at(a, flat);
  });
  return { shape: keepDims ? keptShape : a.shape.filter((_, i) => !reduced.has(i)), values: out };
}

export function mean(a: NdArray, axes?: readonly number[], keepDims = false): NdArray {
  const total = sum(a, axes, keepDims);
  return map(total, (v) => (v * total.values.length) / a.values.length);
}

/** Softmax over the last axis, shifted by the row maximum. */
export function softmax(a: NdArray): NdArray {
  const width = a.shape[a.shape.length - 1]!;
  const out = new Float64Array(a.values.length);
  for (let row = 0; row < a.values.length; row += width) {
    const slice = a.values.subarray(row, row + width);
    const top = Math.max(...slice);
    const exps = Array.from(slice, (v) => Math.exp(v - top));
    const total = exps.reduce((s, v) => s + v, 0);
    exps.forEach((e, i) => (out[row + i] = e / total));
  }
  return { shape: a.shape, values: out };
}

/** Matrix product of rank-2 arrays, or of rank-3 arrays batch by batch. */
export function matMul(a: NdArray, b: NdArray, transposeA = false, transposeB = false): NdArray {
  const batched = a.shape.length === 3;
  const batch = batched ? a.shape[0]! : 1;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const n = transposeB ? br : bc;
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const aBase = p * ar * ac;
    const bBase = p * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let total = 0;
        for (let q = 0; q < k; q++) {
          const aij = at(a, aBase + (transposeA ? q * ac + i : i * ac + q));
          const bij = at(b, bBase + (transposeB ? j * bc + q : q * bc + j));
          total += aij * bij;
        }
        out[(p * m + i) * n + j] = total;
      }
    }
  }
  return { shape: batched ? [batch, m, n] : [m, n], values: out };
}

/** Output size and leading pad of one spatial axis, as TensorFlow defines 'same' and 'valid'. */
function convAxis(size: number, kernel: number, stride: number, padding: 'same' | 'valid'): [number, number] {
  if (padding === 'valid') return [Math.floor((size - kernel) / stride) + 1, 0];
  const out = Math.ceil(size / stride);
  const padTotal = Math.max((out - 1) * stride + kernel - size, 0);
  return [out, Math.floor(padTotal / 2)]; // the odd pixel of padding goes at the end
}

/** 2-D cross-correlation (what tfjs calls conv2d): x [N,H,W,Cin], filter [kh,kw,Cin,Cout]. */
export function conv2d(x: NdArray, filter: NdArray, stride: number, padding: 'same' | 'valid'): NdArray {
  const [batch, height, width, inC] = x.shape as [number, number, number, number];
  const [kh, kw, , outC] = filter.shape as [number, number, number, number];
  const [outH, padTop] = convAxis(height, kh, stride, padding);
  const [outW, padLeft] = convAxis(width, kw, stride, padding);
  const out = new Float64Array(batch * outH * outW * outC);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        for (let co = 0; co < outC; co++) {
          let total = 0;
          for (let dy = 0; dy < kh; dy++) {
            const iy = oy * stride + dy - padTop;
            if (iy < 0 || iy >= height) continue;
            for (let dx = 0; dx < kw; dx++) {
              const ix = ox * stride + dx - padLeft;
              if (ix < 0 || ix >= width) continue;
              for (let ci = 0; ci < inC; ci++) {
                total += at(x, ((n * height + iy) * width + ix) * inC + ci) * at(filter, ((dy * kw + dx) * inC + ci) * outC + co);
              }
            }
          }
          out[o++] = total;
        }
      }
    }
  }
  return { shape: [batch, outH, outW, outC], values: out };
}

/** The input pixel that output pixel `i` copies in a nearest-neighbour resize, with tfjs' conventions. */
export function nearestSourceIndex(i: number, inSize: number, outSize: number, alignCorners = false, halfPixelCenters = false): number {
  const scale = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const fraction = halfPixelCenters ? scale * (i + 0.5) : scale * i;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

/** Nearest-neighbour resize of NHWC images to `[outH, outW]`. */
export function resizeNearestNeighbor(x: NdArray, [outH, outW]: readonly [number, number], alignCorners = false, halfPixelCenters = false): NdArray {
  const [batch, height, width, channels] = x.shape as [number, number, number, number];
  const out = new Float64Array(batch * outH * outW * channels);
  let o = 0;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < outH; oy++) {
      const iy = nearestSourceIndex(oy, height, outH, alignCorners, halfPixelCenters);
      for (let ox = 0; ox < outW; ox++) {
        const ix = nearestSourceIndex(ox, width, outW, alignCorners, halfPixelCenters);
        for (let c = 0; c < channels; c++) out[o++] = at(x, ((n * height + iy) * width + ix) * channels + c);
      }
    }
  }
  return { shape: [batch, outH, outW, channels], values: out };
}

export function concat(arrays: readonly NdArray[], axis: number): NdArray {
  const first = arrays[0]!;
  const shape = first.shape.map((d, i) => (i === axis ? arrays.reduce((s, a) => s + a.shape[axis]!, 0) : d));
  const outStrides = stridesOf(shape);
  const out = new Float64Array(sizeOf(shape));
  let offset = 0;
  for (const a of arrays) {
    forEachIndex(a.shape, (coords, flat) => {
      let target = 0;
      coords.forEach((c, i) => (target += (i === axis ? c + offset : c) * outStrides[i]!));
      out[target] = at(a, flat);
    });
    offset += a.shape[axis]!;
  }
  return { shape, values: out };
}

/** Output axis i is input axis perm[i]. */
export function transpose(a: NdArray, perm: readonly number[]): NdArray {
  const shape = perm.map((p) => a.shape[p]!);
  const inStrides = stridesOf(a.shape);
  const out = new Float64Array(a.values.length);
  forEachIndex(shape, (coords, flat) => {
    let source = 0;
    coords.forEach((c, i) => (source += c * inStrides[perm[i]!]!));
    out[flat] = at(a, source);
  });
  return { shape, values: out };
}

/** Picks slices `indices` along `axis`. */
export function gather(a: NdArray, indices: readonly number[], axis: number): NdArray {
  const shape = a.shape.map((d, i) => (i === axis ? indices.length : d));
  const inStrides = stridesOf(a.shape);
  const out = new Float64Array(sizeOf(shape));
  forEachIndex(shape, (coords, flat) => {
    let source = 0;
    coords.forEach((c, i) => (source += (i === axis ? indices[c]! : c) * inStrides[i]!));
    out[flat] = at(a, source);
  });
  return { shape, values: out };
}

/**
 * ∂loss/∂input for every element of every input by central differences, (L(x+h) − L(x−h)) / 2h,
 * in float64. Exact up to rounding when the loss is at most quadratic in each single element.
 */
export function numericGradient(loss: (inputs: readonly NdArray[]) => number, inputs: readonly NdArray[], h = 1e-3): NdArray[] {
  return inputs.map((input, which) => {
    const grad = new Float64Array(input.values.length);
    const values = Float64Array.from(input.values);
    const withValues = inputs.map((other, i) => (i === which ? { shape: input.shape, values } : other));
    for (let i = 0; i < values.length; i++) {
      const original = values[i]!;
      values[i] = original + h;
      const up = loss(withValues);
      values[i] = original - h;
      const down = loss(withValues);
      values[i] = original;
      grad[i] = (up - down) / (2 * h);
    }
    return { shape: input.shape, values: grad };
  });
}
