import { toRgba, type ImageBatch } from '../pixels';

/** Draws image `index` of `batch` into `canvas` (resized to the image; CSS scales it up without smoothing). */
export function drawImage(canvas: HTMLCanvasElement, batch: ImageBatch, index: number): void {
  if (canvas.width !== batch.width) canvas.width = batch.width;
  if (canvas.height !== batch.height) canvas.height = batch.height;
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('this browser gives no 2D canvas context, so images cannot be shown');
  context.putImageData(new ImageData(toRgba(batch, index), batch.width, batch.height), 0, 0);
}

/** Saves what `canvas` shows as a PNG file named `fileName`. */
export async function downloadPng(canvas: HTMLCanvasElement, fileName: string): Promise<void> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (blob === null) throw new Error('the canvas could not be encoded as PNG');
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
