/**
 * Which input row (or column) the forward nearest-neighbour resize copies output index `i` from,
 * with tfjs' `alignCorners` / `halfPixelCenters` conventions.
 */
export function nearestSource(i: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const source = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  const index = Math.min(inSize - 1, alignCorners ? Math.round(source) : Math.floor(source));
  return halfPixelCenters ? Math.max(0, index) : index;
}

/**
 * The gradient of a nearest-neighbour resize, the adjoint of a copy: every dy pixel of
 * [batch, outH, outW, channels] is added to the input pixel it was copied from, into `dx`
 * ([batch, inH, inW, channels], zeroed by the caller), in dy's order. The ResizeNearestNeighborGrad
 * kernels of tfjs-cpu and tfjs-wasm share it, so they agree bit for bit.
 */
export function scatterNearest(
  dy: Float32Array,
  dx: Float32Array,
  [batch, inH, inW, channels]: readonly [number, number, number, number],
  [outH, outW]: readonly [number, number],
  alignCorners: boolean,
  halfPixelCenters: boolean,
): void {
  const rows = Int32Array.from({ length: outH }, (_, y) => nearestSource(y, inH, outH, alignCorners, halfPixelCenters));
  const cols = Int32Array.from({ length: outW }, (_, x) => nearestSource(x, inW, outW, alignCorners, halfPixelCenters));
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < outH; y++) {
      const rowBase = (b * inH + rows[y]!) * inW;
      for (let x = 0; x < outW; x++) {
        const base = (rowBase + cols[x]!) * channels;
        for (let c = 0; c < channels; c++) dx[base + c]! += dy[o++]!;
      }
    }
  }
}
