import { errors, type RawImage } from '@cdm/core';
import { applyOrientation, jpegExifOrientation } from './exif-orientation';
import { pngCodec } from './png-codec';

/** Decodes image files to upright pixels (EXIF orientation applied). */
export interface ImageDecoder {
  /** What decodes, for records (e.g. "sharp 0.35.6 (libvips 8.18.8)"). */
  readonly name: string;
  /** File name extensions it reads, lower case without the dot. */
  readonly extensions: readonly string[];
  decode(bytes: Uint8Array): Promise<RawImage>;
}

export type ImageDecoderChoice = 'auto' | 'sharp' | 'js';

/** The pure-JavaScript decoder: PNG (fast-png) and JPEG (jpeg-js), with EXIF orientation read by hand. */
export function jsImageDecoder(): ImageDecoder {
  const codec = pngCodec();
  return {
    name: 'js (fast-png, jpeg-js)',
    extensions: ['png', 'jpg', 'jpeg'],
    async decode(bytes) {
      const image = await codec.decode(bytes);
      return bytes[0] === 0xff && bytes[1] === 0xd8 ? applyOrientation(image, jpegExifOrientation(bytes)) : image;
    },
  };
}

interface SharpModule {
  (input: Uint8Array, options?: { failOn?: string; limitInputPixels?: number | boolean }): {
    rotate(): { raw(): { toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }> } };
  };
  readonly versions: { readonly sharp?: string; readonly vips: string };
}

let sharpModule: Promise<SharpModule | undefined> | undefined;

/** sharp (libvips), when its optional dependency is installed; undefined otherwise. */
export function loadSharp(): Promise<SharpModule | undefined> {
  const specifier = 'sharp'; // kept out of the bundle: an optional dependency
  sharpModule ??= import(/* @vite-ignore */ specifier).then(
    (m: { default?: SharpModule }) => (m.default ?? (m as unknown as SharpModule)),
    () => undefined,
  );
  return sharpModule;
}

/**
 * sharp's decoder: libvips reads PNG, JPEG, WebP, GIF, TIFF and AVIF natively (JPEG ~10× faster than
 * jpeg-js) and `rotate()` applies the EXIF orientation. Grey+alpha loses its alpha.
 */
export function sharpImageDecoder(sharp: SharpModule): ImageDecoder {
  return {
    name: `sharp ${sharp.versions.sharp ?? ''} (libvips ${sharp.versions.vips})`.replace('  ', ' '),
    extensions: ['png', 'jpg', 'jpeg', 'webp', 'gif', 'tif', 'tiff', 'avif'],
    async decode(bytes) {
      const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 1 << 28 }).rotate().raw().toBuffer({ resolveWithObject: true });
      const pixels = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (info.channels === 2) {
        const grey = new Uint8Array(info.width * info.height);
        for (let i = 0; i < grey.length; i++) grey[i] = pixels[2 * i]!;
        return { width: info.width, height: info.height, channels: 1, data: grey };
      }
      return { width: info.width, height: info.height, channels: info.channels as 1 | 3 | 4, data: pixels };
    },
  };
}

/** 'auto' (default): sharp when installed, else the JavaScript decoder. 'sharp' fails when it is not installed. */
export async function createImageDecoder(choice: ImageDecoderChoice = 'auto'): Promise<ImageDecoder> {
  if (choice === 'js') return jsImageDecoder();
  const sharp = await loadSharp();
  if (sharp !== undefined) return sharpImageDecoder(sharp);
  if (choice === 'sharp') throw errors.notAvailable('the sharp image decoder', 'install it (npm install sharp) or use the JavaScript decoder (decoder: "js")');
  return jsImageDecoder();
}
