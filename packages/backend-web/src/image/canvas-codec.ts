import { errors, type ImageCodec, type RawImage } from '@cdm/core';
import { rawImageToRgba, rgbaToRawImage } from './raw-image-to-image-data';

type Context2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

interface Surface {
  readonly context: Context2D;
  toPng(): Promise<Blob>;
}

/** A 2-D canvas of the given size: OffscreenCanvas where it exists (pages and workers), else a DOM canvas. */
function createSurface(width: number, height: number): Surface {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw errors.notAvailable('A 2-D OffscreenCanvas context', 'canvasCodec needs canvas 2-D support');
    return { context, toPng: () => canvas.convertToBlob({ type: 'image/png' }) };
  }
  if (typeof document === 'object' && document !== null) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw errors.notAvailable('A 2-D canvas context', 'canvasCodec needs canvas 2-D support');
    return {
      context,
      toPng: () => new Promise((resolve, reject) => canvas.toBlob((blob) => (blob === null ? reject(new Error('canvas.toBlob produced nothing')) : resolve(blob)), 'image/png')),
    };
  }
  throw errors.notAvailable('A canvas', 'canvasCodec needs a browser page or worker (OffscreenCanvas or document); in Node use pngCodec() from @cdm/backend-node');
}

/**
 * An `ImageCodec` on the browser's canvas: PNG encoding through `convertToBlob`/`toBlob`, decoding
 * of whatever the browser reads (PNG, JPEG, WebP, …) through `createImageBitmap`. Decoded images
 * have 3 channels when fully opaque, else 4 (straight, not premultiplied, alpha; pixels with
 * alpha < 255 may shift by a unit through the canvas' premultiplied storage).
 */
export function canvasCodec(): ImageCodec {
  return {
    name: 'canvas',
    async encodePng(image: RawImage) {
      const rgba = rawImageToRgba(image);
      const surface = createSurface(image.width, image.height);
      surface.context.putImageData(new ImageData(rgba, image.width, image.height), 0, 0);
      return new Uint8Array(await (await surface.toPng()).arrayBuffer());
    },
    async decode(bytes: Uint8Array) {
      if (typeof createImageBitmap !== 'function') throw errors.notAvailable('createImageBitmap', 'canvasCodec.decode needs a browser page or worker');
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(new Blob([bytes.slice()]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
      } catch (error) {
        throw errors.invalidArgument('bytes', 'an image the browser can decode (PNG, JPEG, WebP, …)', error instanceof Error ? error.message : String(error));
      }
      try {
        const { width, height } = bitmap;
        const surface = createSurface(width, height);
        surface.context.drawImage(bitmap, 0, 0);
        return rgbaToRawImage(surface.context.getImageData(0, 0, width, height).data, width, height);
      } finally {
        bitmap.close();
      }
    },
  };
}
