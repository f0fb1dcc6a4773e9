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
}

export interface StorageReadOptions {
  readonly signal?: AbortSignal;
  /** Called as bytes arrive; `total` is undefined when unknown. */
  readonly onProgress?: (loaded: number, total: number | undefined) => void;
}
