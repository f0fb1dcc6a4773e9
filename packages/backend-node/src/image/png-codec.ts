import { errors, type ImageCodec, type RawImage } from '@cdm/core';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];
const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);

/**
 * `ImageCodec` for Node: PNG through fast-png (1-, 2-, 4-, 8- and 16-bit, grey, grey+alpha, RGB,
 * RGBA and palette images; 16-bit samples are rounded to 8 bits, 1/2/4-bit grey is scaled to 0…255,
 * grey+alpha becomes RGBA; interlaced images of fewer than 8 bits are refused) and JPEG
 * decoding through jpeg-js (as RGB). Both are pure JavaScript.
 */
export function pngCodec(): ImageCodec {
  return {
    name: 'png',
    async encodePng(image: RawImage) {
      checkRawImage(image);
      const { encode } = await import('fast-png');
      return encode({ width: image.width, height: image.height, data: image.data, channels: image.channels, depth: 8 });
    },
    async decode(bytes: Uint8Array) {
      if (startsWith(bytes, PNG_SIGNATURE)) return decodePng(bytes);
      if (bytes[0] === 0xff && bytes[1] === 0xd8) return decodeJpeg(bytes);
      throw errors.invalidArgument('image bytes', 'PNG or JPEG data', `${bytes.length} bytes starting ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
    },
  };
}

/** IHDR comes first: after the signature and the chunk's length and type, width and height, then bit depth (byte 24) … interlace method (byte 28). */
const DEPTH_OFFSET = 24;
const INTERLACE_OFFSET = 28;

/** 1-, 2- or 4-bit grey samples, packed from the high bits with each row starting on a byte, as 0…255. */
function unpackGrey(packed: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const stride = Math.ceil((width * depth) / 8);
  const max = (1 << depth) - 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const value = (packed[y * stride + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
      out[y * width + x] = (value * 255) / max; // exact: max is 1, 3 or 15
    }
  }
  return out;
}

async function decodePng(bytes: Uint8Array): Promise<RawImage> {
  const { decode, convertIndexedToRgb } = await import('fast-png');
  // fast-png unpacks interlaced images of fewer than 8 bits wrongly: refuse them from the header.
  const depth = bytes[DEPTH_OFFSET]!;
  if (depth < 8 && bytes[INTERLACE_OFFSET] !== 0) {
    throw errors.invalidArgument('PNG', `a non-interlaced image at ${depth} bits per sample (or any interlaced image of 8 or 16 bits)`, `an interlaced ${depth}-bit image`);
  }
  const png = decode(bytes);
  let data: ArrayLike<number> = png.palette ? convertIndexedToRgb(png) : png.data;
  let channels = png.palette ? (png.palette[0]?.length ?? 3) : png.channels;
  if (png.depth === 16) data = Uint8Array.from(data, (v) => Math.round(v / 257));
  else if (!png.palette && png.depth < 8) {
    if (channels !== 1) throw errors.invalidArgument('PNG bit depth', '8 or 16 for a colour image', png.depth); // the PNG spec allows < 8 only for grey
    data = unpackGrey(data, png.width, png.height, png.depth);
  }
  const pixels = data instanceof Uint8Array ? data : Uint8Array.from(data);
  if (channels === 2) {
    const rgba = new Uint8Array(png.width * png.height * 4);
    for (let i = 0, o = 0; i < pixels.length; i += 2, o += 4) rgba.set([pixels[i]!, pixels[i]!, pixels[i]!, pixels[i + 1]!], o);
    return { width: png.width, height: png.height, channels: 4, data: rgba };
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) channels = 3;
  return { width: png.width, height: png.height, channels: channels as 1 | 3 | 4, data: pixels };
}

async function decodeJpeg(bytes: Uint8Array): Promise<RawImage> {
  const jpeg = await import('jpeg-js');
  const decode = (jpeg.default ?? jpeg).decode;
  const image = decode(bytes, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  return { width: image.width, height: image.height, channels: 3, data: image.data };
}

/** Throws CDM_INVALID_ARGUMENT unless `image` is a well-formed RawImage. */
export function checkRawImage(image: RawImage): void {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw errors.invalidArgument('image size', 'positive integer width and height', [width, height]);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) throw errors.invalidArgument('image channels', '1, 3 or 4', channels);
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw errors.invalidArgument('image data', `a Uint8Array of ${width}×${height}×${channels} = ${width * height * channels} bytes`, data?.length);
  }
}
