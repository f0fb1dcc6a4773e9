import { toRgba, type ImageBatch } from '../pixels';

function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const context = canvas.getContext('2d');
  if (context === null) throw new Error('this browser gives no 2D canvas context, so images cannot be shown');
  return context;
}

/** Draws image `index` of `batch` into `canvas` (resized to the image; CSS scales it up without smoothing). */
export function drawImage(canvas: HTMLCanvasElement, batch: ImageBatch, index: number): void {
  if (canvas.width !== batch.width) canvas.width = batch.width;
  if (canvas.height !== batch.height) canvas.height = batch.height;
  context2d(canvas).putImageData(new ImageData(toRgba(batch, index), batch.width, batch.height), 0, 0);
}

/** Every image of `batch` in one canvas, in rows of ⌈√count⌉ with a 1-pixel gap, at the images' own resolution. */
export function drawGrid(batch: ImageBatch): HTMLCanvasElement {
  const columns = Math.ceil(Math.sqrt(batch.count));
  const rows = Math.ceil(batch.count / columns);
  const canvas = document.createElement('canvas');
  canvas.width = columns * (batch.width + 1) - 1;
  canvas.height = rows * (batch.height + 1) - 1;
  const context = context2d(canvas);
  for (let i = 0; i < batch.count; i++) {
    const x = (i % columns) * (batch.width + 1);
    const y = Math.floor(i / columns) * (batch.height + 1);
    context.putImageData(new ImageData(toRgba(batch, i), batch.width, batch.height), x, y);
  }
  return canvas;
}

/** Copies `source` into a new canvas `scale`× larger, nearest-neighbour (no smoothing): pixels stay square in the file too. */
export function enlarge(source: HTMLCanvasElement, scale: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = source.width * scale;
  canvas.height = source.height * scale;
  const context = context2d(canvas);
  context.imageSmoothingEnabled = false;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
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
