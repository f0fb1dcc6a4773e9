import { readFile } from 'node:fs/promises';
import type { RawImage } from '@cdm/core';
import { writeFileAtomic } from '../file-storage';

const FORMAT = 'cdm-sample-chunk';
const VERSION = 2;

/** One array of a chunk; its first dimension is the chunk's image count. */
export type ChunkArray =
  | { readonly dtype: 'uint8'; readonly shape: readonly number[]; readonly data: Uint8Array }
  | { readonly dtype: 'float32'; readonly shape: readonly number[]; readonly data: Float32Array };

/** What a worker sampled for a chunk: named arrays, and the time each stage took on the worker. */
export interface ChunkContents {
  readonly arrays: Readonly<Record<string, ChunkArray>>;
  /** Milliseconds the chunk spent in each stage. */
  readonly stageMs: readonly number[];
}

interface ChunkHeader {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly first: number;
  readonly count: number;
  readonly stageMs: readonly number[];
  /** The arrays in the order their bytes follow the header. */
  readonly arrays: readonly { readonly name: string; readonly dtype: ChunkArray['dtype']; readonly shape: readonly number[] }[];
}

const BYTES = { uint8: 1, float32: 4 } as const;
const elements = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * A chunk as one file: a 4-byte little-endian header length, a JSON header, then each array's bytes
 * (little-endian float32 for float arrays) one after another. Written to a temporary name and renamed,
 * so a reader sees either no file or the whole file.
 */
export async function writeChunkFile(path: string, first: number, contents: ChunkContents): Promise<void> {
  const entries = Object.entries(contents.arrays);
  const count = entries[0]?.[1].shape[0] ?? 0;
  const header: ChunkHeader = {
    format: FORMAT,
    version: VERSION,
    first,
    count,
    stageMs: contents.stageMs,
    arrays: entries.map(([name, array]) => ({ name, dtype: array.dtype, shape: array.shape })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const sizes = entries.map(([, array]) => array.data.byteLength);
  const bytes = new Uint8Array(4 + json.length + sizes.reduce((a, b) => a + b, 0));
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(json, 4);
  let offset = 4 + json.length;
  for (const [, array] of entries) {
    bytes.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), offset);
    offset += array.data.byteLength;
  }
  await writeFileAtomic(path, bytes);
}

/** Reads a chunk file back, checking that every array holds images `first` … `first + count − 1` in full. */
export async function readChunkFile(path: string, first: number, count: number): Promise<ChunkContents> {
  const bytes = new Uint8Array(await readFile(path));
  const length = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) : 0;
  let header: ChunkHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as ChunkHeader;
  } catch {
    throw new Error(`${path} is not a chunk file`);
  }
  const incomplete = () => new Error(`${path} does not hold images ${first}…${first + count - 1} in full`);
  if (header.format !== FORMAT || header.version !== VERSION || header.first !== first || header.count !== count || !Array.isArray(header.arrays)) throw incomplete();
  const arrays: Record<string, ChunkArray> = {};
  let offset = 4 + length;
  for (const { name, dtype, shape } of header.arrays) {
    if ((dtype !== 'uint8' && dtype !== 'float32') || !Array.isArray(shape) || shape[0] !== count) throw incomplete();
    const size = elements(shape) * BYTES[dtype as ChunkArray['dtype']];
    if (offset + size > bytes.length) throw incomplete();
    const copy = bytes.slice(offset, offset + size); // its own buffer, aligned for a Float32Array
    arrays[name] = dtype === 'uint8' ? { dtype, shape, data: copy } : { dtype, shape, data: new Float32Array(copy.buffer) };
    offset += size;
  }
  if (offset !== bytes.length) throw incomplete();
  return { arrays, stageMs: header.stageMs };
}

/** 8-bit images (all of one size) as a chunk array of shape [count, height, width, channels]. */
export function imagesArray(images: readonly RawImage[]): ChunkArray {
  const { width, height, channels } = images[0]!;
  const pixels = width * height * channels;
  const data = new Uint8Array(images.length * pixels);
  images.forEach((image, k) => data.set(image.data, k * pixels));
  return { dtype: 'uint8', shape: [images.length, height, width, channels], data };
}

/** A chunk array written by `imagesArray`, as images again. */
export function imagesOf(array: ChunkArray | undefined, what: string): RawImage[] {
  if (array?.dtype !== 'uint8' || array.shape.length !== 4) throw new Error(`${what} holds no 8-bit images`);
  const [count, height, width, channels] = array.shape as [number, number, number, number];
  const pixels = width * height * channels;
  return Array.from({ length: count }, (_, k) => ({ width, height, channels, data: array.data.slice(k * pixels, (k + 1) * pixels) }) as RawImage);
}
