import type { ParameterSpec } from './architecture';

/**
 * Converts a parameter's values between PyTorch's layout (what state dicts and our safetensors
 * files hold) and the layout of its tfjs variable. Conv kernels: OIHW ↔ HWIO; linear and the
 * attention's 1-D convs ([out, in] / [out, in, 1]) ↔ [in, out]; vectors and embeddings as they are.
 * Both directions return a new array.
 */
export function toTorchLayout(spec: ParameterSpec, tfjsValues: Float32Array): Float32Array {
  const s = spec.torchShape;
  switch (spec.layout) {
    case 'conv2d': {
      const [o, i, h, w] = s as [number, number, number, number];
      const out = new Float32Array(tfjsValues.length);
      // tfjs index ((y·w + x)·i + ci)·o + co  →  torch index ((co·i + ci)·h + y)·w + x
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let ci = 0; ci < i; ci++) {
            const from = ((y * w + x) * i + ci) * o;
            for (let co = 0; co < o; co++) out[((co * i + ci) * h + y) * w + x] = tfjsValues[from + co]!;
          }
      return out;
    }
    case 'conv1d':
    case 'linear':
      return transpose2d(tfjsValues, s[1]!, s[0]!);
    case 'embedding':
    case 'vector':
      return tfjsValues.slice();
  }
}

/** The inverse of `toTorchLayout`. */
export function fromTorchLayout(spec: ParameterSpec, torchValues: Float32Array): Float32Array {
  const s = spec.torchShape;
  switch (spec.layout) {
    case 'conv2d': {
      const [o, i, h, w] = s as [number, number, number, number];
      const out = new Float32Array(torchValues.length);
      for (let co = 0; co < o; co++)
        for (let ci = 0; ci < i; ci++)
          for (let y = 0; y < h; y++) {
            const from = ((co * i + ci) * h + y) * w;
            for (let x = 0; x < w; x++) out[((y * w + x) * i + ci) * o + co] = torchValues[from + x]!;
          }
      return out;
    }
    case 'conv1d':
    case 'linear':
      return transpose2d(torchValues, s[0]!, s[1]!);
    case 'embedding':
    case 'vector':
      return torchValues.slice();
  }
}

/** [rows, cols] row-major → [cols, rows] row-major. */
function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    const from = r * cols;
    for (let col = 0; col < cols; col++) out[col * rows + r] = values[from + col]!;
  }
  return out;
}
