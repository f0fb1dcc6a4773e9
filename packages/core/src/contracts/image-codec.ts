/** Interleaved 8-bit pixels, row-major, `channels` per pixel (1 = grey, 3 = RGB, 4 = RGBA). */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array;
}

/** Encodes and decodes images on a platform (a PNG library in Node, a canvas in the browser). */
export interface ImageCodec {
  readonly name: string;
  encodePng(image: RawImage): Promise<Uint8Array>;
  /** Decodes PNG (and whatever else the platform reads, e.g. JPEG). */
  decode(bytes: Uint8Array): Promise<RawImage>;
}
