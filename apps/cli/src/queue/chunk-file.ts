import { readFile } from 'node:fs/promises';
import type { RawImage } from '@cdm/core';
import { writeFileAtomic } from '../file-storage';

const FORMAT = 'cdm-sample-chunk';
const VERSION = 1;

interface ChunkHeader {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly first: number;
  readonly count: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  /** Milliseconds the chunk spent in each stage. */
  readonly stageMs: readonly number[];
}

/** A chunk's images, with the time each stage took on the worker. */
export interface ChunkImages {
  readonly images: RawImage[];
  readonly stageMs: readonly number[];
}

/**
 * A chunk's images as one file: a 4-byte little-endian header length, a JSON header, then the
 * images' 8-bit pixels one after another. Written to a temporary name and renamed, so a reader
 * sees either no file or the whole file.
 */
export async function writeChunkFile(path: string, first: number, { images, stageMs }: ChunkImages): Promise<void> {
  const { width, height, channels } = images[0]!;
  const header: ChunkHeader = { format: FORMAT, version: VERSION, first, count: images.length, width, height, channels, stageMs };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pixels = width * height * channels;
  const bytes = new Uint8Array(4 + json.length + images.length * pixels);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  images.forEach((image, k) => bytes.set(image.data, 4 + json.length + k * pixels));
  await writeFileAtomic(path, bytes);
}

/** Reads a chunk file back, checking that it holds images `first` … `first + count − 1` in full. */
export async function readChunkFile(path: string, first: number, count: number): Promise<ChunkImages> {
  const bytes = new Uint8Array(await readFile(path));
  const length = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) : 0;
  let header: ChunkHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as ChunkHeader;
  } catch {
    throw new Error(`${path} is not a chunk file`);
  }
  const pixels = header.width * header.height * header.channels;
  if (header.format !== FORMAT || header.version !== VERSION || header.first !== first || header.count !== count || bytes.length !== 4 + length + count * pixels) {
    throw new Error(`${path} does not hold images ${first}…${first + count - 1} in full`);
  }
  const start = 4 + length;
  const images = Array.from({ length: count }, (_, k) => ({
    width: header.width,
    height: header.height,
    channels: header.channels,
    data: bytes.slice(start + k * pixels, start + (k + 1) * pixels),
  }) as RawImage);
  return { images, stageMs: header.stageMs };
}
