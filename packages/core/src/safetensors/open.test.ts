import { describe, expect, it } from 'vitest';
import type { Storage } from '../contracts/storage';
import { memoryStorage } from '../storage';
import { openSafetensors, SAFETENSORS_WHOLE_READ_BYTES } from './open';
import { readSafetensors } from './read';
import { writeSafetensors } from './write';

const GiB = 2 ** 30;

/** A header (8-byte length + JSON) for `tensors`, laid out one after another from data offset 0. */
function header(tensors: readonly { name: string; dtype: string; shape: number[]; bytes: number }[]): Uint8Array {
  let offset = 0;
  const json: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const t of tensors) {
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes] };
    offset += t.bytes;
  }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(8 + text.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

/**
 * A storage holding one virtual file of `size` bytes: `head` at its start, `tail` at its end, zeros
 * between (like a sparse file); it can only be read by ranges, and it counts the bytes handed out.
 */
function virtualFile(size: number, head: Uint8Array, tail: Uint8Array): Storage & { served: number } {
  const storage = {
    name: 'virtual',
    served: 0,
    read: async () => {
      throw new Error('read() of the whole file');
    },
    write: async () => undefined,
    exists: async () => true,
    async readRange(_path: string, offset: number, length: number) {
      const end = Math.min(size, offset + length);
      const out = new Uint8Array(Math.max(0, end - offset));
      for (let i = 0; i < out.length; i++) {
        const at = offset + i;
        out[i] = at < head.length ? head[at]! : at >= size - tail.length ? tail[at - (size - tail.length)]! : 0;
      }
      storage.served += out.length;
      return out;
    },
  };
  return storage;
}

describe('openSafetensors', () => {
  const bytes = writeSafetensors(
    new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['b', { shape: [4], data: Int32Array.from([-1, 0, 1, 2]) }],
    ]),
    { note: 'x' },
  );

  it('reads by ranges what readSafetensors reads whole, and falls back to read() without readRange', async () => {
    const storage = memoryStorage();
    await storage.write('m.safetensors', bytes);
    const { readRange: _unused, ...plain } = storage;
    const whole = readSafetensors(bytes);
    for (const s of [storage, plain as Storage]) {
      const source = await openSafetensors(s, 'm.safetensors');
      expect(source.metadata).toEqual({ note: 'x' });
      expect([...source.entries]).toEqual([
        ['a', { dtype: 'F32', shape: [2, 3], byteLength: 24 }],
        ['b', { dtype: 'I32', shape: [4], byteLength: 16 }],
      ]);
      expect(source.byteLength).toBe(bytes.byteLength);
      for (const name of ['a', 'b']) expect(await source.read(name)).toEqual(whole.tensors.get(name));
      await expect(source.read('c')).rejects.toThrow(/Invalid tensor name/);
    }
  });

  it('reads a data section up to SAFETENSORS_WHOLE_READ_BYTES in one range, whatever the number of tensors', async () => {
    const storage = memoryStorage();
    const many = new Map(Array.from({ length: 50 }, (_, i) => [`t${i}`, { shape: [i + 1], data: Float32Array.from({ length: i + 1 }, (_, j) => i * 100 + j) }] as const));
    await storage.write('many.safetensors', writeSafetensors(many));
    const ranges: [number, number][] = [];
    const counting: Storage = { ...storage, readRange: (path, offset, length) => (ranges.push([offset, length]), storage.readRange!(path, offset, length)) };
    const source = await openSafetensors(counting, 'many.safetensors');
    expect(ranges).toHaveLength(3); // the length, the header and the last byte
    for (const [name, tensor] of many) expect(Array.from((await source.read(name)).data as Float32Array)).toEqual(Array.from(tensor.data));
    expect(ranges).toHaveLength(4);
    expect(ranges[3]![1]).toBe(source.byteLength - ranges[3]![0]);
    expect(SAFETENSORS_WHOLE_READ_BYTES).toBe(64 * 2 ** 20);
    // wholeReadBytes: 0 reads each tensor by its own range.
    ranges.length = 0;
    const byTensor = await openSafetensors(counting, 'many.safetensors', { wholeReadBytes: 0 });
    for (const name of ['t3', 't40'] as const) expect(Array.from((await byTensor.read(name)).data as Float32Array)).toEqual(Array.from(many.get(name)!.data));
    expect(ranges.slice(3).map(([, length]) => length)).toEqual([4 * 4, 41 * 4]);
  });

  it('refuses a truncated file, trailing bytes and a header cut short, without reading tensors', async () => {
    const storage = memoryStorage();
    await storage.write('short', bytes.subarray(0, bytes.length - 1));
    await expect(openSafetensors(storage, 'short')).rejects.toThrow(expect.objectContaining({ code: 'CDM_SAFETENSORS_CORRUPT', message: expect.stringMatching(/after the end of the file \(truncated\?\)/) }));
    const long = new Uint8Array(bytes.length + 3);
    long.set(bytes);
    await storage.write('long', long);
    await expect(openSafetensors(storage, 'long')).rejects.toThrow(/unused bytes follow the last tensor/);
    await storage.write('cut', bytes.subarray(0, 12));
    await expect(openSafetensors(storage, 'cut')).rejects.toThrow(/exceeds the 4 bytes after it \(truncated\?\)/);
  });

  it('opens a 3 GiB file from its header and reads a tensor that lies past 2 GiB, handing out only kilobytes', async () => {
    // A 3 GiB U8 tensor followed by a small F32 one: the file is 3 GiB + header + 16 bytes.
    const big = 3 * GiB;
    const head = header([
      { name: 'huge', dtype: 'U8', shape: [3, GiB], bytes: big },
      { name: 'small', dtype: 'F32', shape: [4], bytes: 16 },
    ]);
    const tail = new Uint8Array(Float32Array.from([0.5, -1, 2, 1e-3]).buffer);
    const storage = virtualFile(head.length + big + 16, head, tail);
    const source = await openSafetensors(storage, 'big.safetensors');
    expect(source.byteLength).toBe(head.length + big + 16);
    expect(source.entries.get('huge')).toEqual({ dtype: 'U8', shape: [3, GiB], byteLength: big });
    const small = await source.read('small');
    expect(Array.from(small.data as Float32Array)).toEqual([0.5, -1, 2, Math.fround(1e-3)]);
    expect(storage.served).toBeLessThan(4096);
  });
});
