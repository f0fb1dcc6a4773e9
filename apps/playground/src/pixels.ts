/** A batch of NHWC images as the models produce them: values in [−1, 1], row-major. */
export interface ImageBatch {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly values: Float32Array;
}

/** One value in [−1, 1] as an 8-bit level: round((x + 1)·127.5), clipped to 0…255 (as @cdm/backend-node writes PNGs). */
export function toByte(x: number): number {
  return Math.min(255, Math.max(0, Math.round((x + 1) * 127.5)));
}

/** Image `index` of `batch` as RGBA pixels for an ImageData (grey is repeated into R, G and B; alpha is opaque). */
export function toRgba(batch: ImageBatch, index: number): Uint8ClampedArray<ArrayBuffer> {
  const { height, width, channels, values } = batch;
  if (!Number.isInteger(index) || index < 0 || index >= batch.count) throw new RangeError(`image ${index} is outside the batch of ${batch.count}`);
  const pixels = height * width;
  const rgba = new Uint8ClampedArray(pixels * 4);
  const offset = index * pixels * channels;
  for (let p = 0; p < pixels; p++) {
    const source = offset + p * channels;
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = toByte(values[source + (channels >= 3 ? c : 0)]!);
    rgba[p * 4 + 3] = channels === 4 ? toByte(values[source + 3]!) : 255;
  }
  return rgba;
}
