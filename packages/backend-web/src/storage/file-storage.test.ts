import { isCdmError, openSafetensors, toFloat32, writeSafetensors } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { commonRootFolder, fileStorage } from './file-storage';

/** A File as a browser gives it for a chosen folder: `webkitRelativePath` set (Node's File has none). */
function chosen(path: string, content: string): File {
  const file = new File([content], path.split('/').at(-1) ?? path);
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('fileStorage', () => {
  const folder = [chosen('demo/cascade.json', '{"stages":[]}'), chosen('demo/stages/base/config.json', '{"ch":32}'), chosen('demo/stages/base/ema.safetensors', 'weights')];

  it('resolves paths relative to a chosen folder, and with the folder name too', async () => {
    const storage = fileStorage(folder);
    expect(storage.list()).toEqual(['cascade.json', 'stages/base/config.json', 'stages/base/ema.safetensors']);
    expect(text(await storage.read('cascade.json'))).toBe('{"stages":[]}');
    expect(text(await storage.read('stages/base/config.json'))).toBe('{"ch":32}');
    expect(text(await storage.read('stages/./base/../base/ema.safetensors'))).toBe('weights');
    expect(text(await storage.read('demo/stages/base/config.json'))).toBe('{"ch":32}');
    expect(await storage.exists('stages/base/config.json')).toBe(true);
    expect(await storage.exists('stages/sr32/config.json')).toBe(false);
  });

  it('accepts a FileList-like object, plain Files keyed by name, and a Map of paths to Blobs', async () => {
    const fileList = { length: 2, 0: folder[0]!, 1: folder[1]!, item: (i: number) => folder[i] ?? null } as unknown as FileList;
    expect(fileStorage(fileList).list()).toEqual(['cascade.json', 'stages/base/config.json']);

    const loose = fileStorage([new File(['a'], 'cascade.json'), new File(['b'], 'config.json')]);
    expect(loose.list()).toEqual(['cascade.json', 'config.json']);
    expect(text(await loose.read('config.json'))).toBe('b');

    // Drag-and-drop entries report paths such as '/demo/cascade.json'.
    const dropped = fileStorage(new Map([['/demo/cascade.json', new Blob(['c'])], ['/demo/stages/sr32/model.safetensors', new Blob(['m'])]]));
    expect(dropped.list()).toEqual(['cascade.json', 'stages/sr32/model.safetensors']);
    expect(text(await dropped.read('stages/sr32/model.safetensors'))).toBe('m');
  });

  it('reports progress ending at the file size, and honours an aborted signal', async () => {
    const events: [number, number | undefined][] = [];
    const storage = fileStorage(folder);
    await storage.read('stages/base/ema.safetensors', { onProgress: (loaded, total) => events.push([loaded, total]) });
    expect(events.at(-1)).toEqual([7, 7]);
    const controller = new AbortController();
    controller.abort();
    await expect(storage.read('cascade.json', { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ code: 'CDM_ABORTED' }));
  });

  it('says which folder lacks a file, and is read-only', async () => {
    const storage = fileStorage(folder);
    await expect(storage.read('stages/sr32/config.json')).rejects.toThrow(
      'No file at "stages/sr32/config.json" in the chosen folder "demo" (3 files). Check the path (relative paths are resolved against the file that names them) [CDM_NOT_FOUND]',
    );
    const error = await storage.write('x.json', Uint8Array.of(1)).catch((caught: unknown) => caught);
    expect(isCdmError(error, 'CDM_READ_ONLY')).toBe(true);
  });

  it('rejects two files with the same path', () => {
    expect(() => fileStorage([chosen('a/x.json', '1'), chosen('a/x.json', '2')])).toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT', message: 'Invalid files: expected distinct paths, but this one appears twice, got "a/x.json" [CDM_INVALID_ARGUMENT]' }));
  });
});

describe('commonRootFolder', () => {
  it('is the top-level folder every path shares, else empty', () => {
    expect(commonRootFolder(['demo/cascade.json', 'demo/stages/base/config.json'])).toBe('demo/');
    expect(commonRootFolder(['demo/stages/a', 'demo/stages/b'])).toBe('demo/');
    expect(commonRootFolder(['demo/cascade.json', 'other/config.json'])).toBe('');
    expect(commonRootFolder(['cascade.json', 'demo/config.json'])).toBe('');
    expect(commonRootFolder(['demo/x', 'demox/y'])).toBe('');
    expect(commonRootFolder([])).toBe('');
  });
});

describe('fileStorage.readRange', () => {
  it('slices the Blob: openSafetensors reads the header and one tensor, not the file', async () => {
    const tensors = new Map(Array.from({ length: 8 }, (_, i) => [`t${i}`, { dtype: 'F32' as const, shape: [128, 128], data: new Float32Array(16384).fill(i) }] as const));
    const bytes = writeSafetensors(tensors);
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>]);
    const sliced: number[] = [];
    const slice = blob.slice.bind(blob);
    blob.slice = (start?: number, end?: number) => {
      const part = slice(start, end);
      sliced.push(part.size);
      return part;
    };
    blob.stream = () => expect.unreachable('the file is never read whole');
    const storage = fileStorage(new Map([['demo/big.safetensors', blob]]));
    const source = await openSafetensors(storage, 'big.safetensors', { wholeReadBytes: 0 }); // tensor by tensor, as for a few tensors of a big file
    expect(toFloat32(await source.read('t5'))[0]).toBe(5);
    expect(sliced.reduce((a, b) => a + b, 0)).toBeLessThan(bytes.length / 4); // 64 KiB of 512 KiB, plus the header
    expect(await storage.readRange!('big.safetensors', bytes.length - 2, 10)).toEqual(bytes.slice(-2));
    expect(await storage.readRange!('big.safetensors', bytes.length + 5, 10)).toEqual(new Uint8Array(0));
    await expect(storage.readRange!('missing.bin', 0, 1)).rejects.toThrow(expect.objectContaining({ code: 'CDM_NOT_FOUND' }));
    await expect(storage.readRange!('big.safetensors', 0, -1)).rejects.toThrow(expect.objectContaining({ code: 'CDM_INVALID_ARGUMENT' }));
  });
});
