/**
 * Where bytes live: a file system in Node, HTTP (+ Cache API) in the browser. Paths are
 * `/`-separated; a storage may also accept URLs.
 */
export interface Storage {
  readonly name: string;
  read(path: string, options?: StorageReadOptions): Promise<Uint8Array>;
  /**
   * Writes all bytes or nothing: after a crash at any moment the path holds either the old
   * content or the new, never a mix. Read-only storages reject with a coded error.
   */
  write(path: string, bytes: Uint8Array): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Optional: `length` bytes from byte `offset` (fewer at the end of the file), without reading the
   * rest. Readers of large files (prepared-dataset shards) use it when present and fall back to `read`.
   */
  readRange?(path: string, offset: number, length: number): Promise<Uint8Array>;
  /** Optional: deletes a file, or a directory with all it holds; a path that does not exist is not an error. */
  remove?(path: string): Promise<void>;
  /** Optional: the names (not paths) of the entries directly inside a directory, sorted; [] when it does not exist. */
  listDirectory?(path: string): Promise<string[]>;
  /**
   * Optional: adds bytes at the end of a file, creating it when missing. Not atomic: a crash may
   * leave part of the bytes, so it suits logs whose reader skips a cut-off last line.
   */
  append?(path: string, bytes: Uint8Array): Promise<void>;
}

export interface StorageReadOptions {
  readonly signal?: AbortSignal;
  /** Called as bytes arrive; `total` is undefined when unknown. */
  readonly onProgress?: (loaded: number, total: number | undefined) => void;
}
