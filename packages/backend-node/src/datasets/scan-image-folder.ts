import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, type PreparedSkippedFile } from '@cdm/core';

/** An image file found in a class folder. */
export interface ScannedImage {
  /** `<class>/<file>`, `/`-separated. */
  readonly path: string;
  readonly bytes: number;
  readonly mtimeMs: number;
  readonly label: number;
}

/** What an ImageNet-style folder (`root/<class>/<image>`) holds. */
export interface ImageFolderScan {
  readonly root: string;
  /** Sub-folder names, sorted: label k is classNames[k]. */
  readonly classNames: readonly string[];
  /** Image files (by extension) in class then file-name order. */
  readonly images: readonly ScannedImage[];
  /** Everything else: files outside class folders, other extensions, hidden files, nested folders. */
  readonly ignored: readonly PreparedSkippedFile[];
  /** Class folders without a single image file. */
  readonly emptyClasses: readonly string[];
}

/**
 * Lists a labelled image folder without reading any image: classes are the sorted names of the
 * sub-folders (hidden ones excluded), images the files whose extension is in `extensions`.
 */
export async function scanImageFolder(root: string, extensions: readonly string[]): Promise<ImageFolderScan> {
  const accepted = new Set(extensions.map((e) => e.toLowerCase()));
  const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw errors.unreadableFile(root, error.code === 'ENOTDIR' ? 'not a folder' : error.message);
  });
  const ignored: PreparedSkippedFile[] = [];
  const classNames: string[] = [];
  for (const entry of [...entries].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) classNames.push(entry.name);
    else ignored.push({ path: entry.name, reason: entry.isDirectory() ? 'hidden folder' : 'not inside a class folder' });
  }
  if (classNames.length === 0) throw errors.invalidArgument(`image folder ${root}`, 'one sub-folder per class', 'no sub-folders');
  const images: ScannedImage[] = [];
  const emptyClasses: string[] = [];
  for (const [label, name] of classNames.entries()) {
    const files = (await readdir(join(root, name), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    let found = 0;
    for (const file of files) {
      const path = `${name}/${file.name}`;
      if (!file.isFile()) {
        ignored.push({ path, reason: file.isDirectory() ? 'a folder inside a class folder (not read)' : 'not a regular file' });
        continue;
      }
      const extension = file.name.includes('.') ? file.name.split('.').pop()!.toLowerCase() : '';
      if (file.name.startsWith('.')) ignored.push({ path, reason: 'hidden file' });
      else if (!accepted.has(extension)) ignored.push({ path, reason: extension === '' ? 'no file extension' : `.${extension} is not an image type this decoder reads (${[...accepted].join(', ')})` });
      else {
        const info = await stat(join(root, name, file.name));
        images.push({ path, bytes: info.size, mtimeMs: Math.floor(info.mtimeMs), label });
        found++;
      }
    }
    if (found === 0) emptyClasses.push(name);
  }
  return { root, classNames, images, ignored, emptyClasses };
}
