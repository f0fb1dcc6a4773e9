/** The file-system entry API of a drop (structural, so only what is used is typed). */
interface EntryLike {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly fullPath: string;
  file?(success: (file: File) => void, failure: (error: unknown) => void): void;
  createReader?(): { readEntries(success: (entries: EntryLike[]) => void, failure: (error: unknown) => void): void };
}

async function collect(entry: EntryLike, into: Map<string, Blob>): Promise<void> {
  if (entry.isFile && entry.file !== undefined) {
    const file = await new Promise<File>((resolve, reject) => entry.file!(resolve, reject));
    into.set(entry.fullPath.replace(/^\/+/, ''), file);
    return;
  }
  if (!entry.isDirectory || entry.createReader === undefined) return;
  const reader = entry.createReader();
  for (;;) {
    // readEntries returns at most ~100 entries per call; call until it returns none.
    const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await collect(child, into);
  }
}

/** Every file of a drop (folders walked recursively), keyed by its path inside what was dropped ("demo/stages/base/config.json"). */
export async function filesFromDrop(transfer: DataTransfer): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  const entries = Array.from(transfer.items, (item) => (item as DataTransferItem & { webkitGetAsEntry?(): EntryLike | null }).webkitGetAsEntry?.() ?? null);
  if (entries.every((entry) => entry === null)) {
    for (const file of Array.from(transfer.files)) files.set(file.name, file);
    return files;
  }
  for (const entry of entries) if (entry !== null) await collect(entry, files);
  return files;
}

/** The files of an `<input type="file" webkitdirectory>`, keyed by their path inside the chosen folder. */
export function filesFromInput(list: FileList): Map<string, Blob> {
  const files = new Map<string, Blob>();
  for (const file of Array.from(list)) files.set(file.webkitRelativePath || file.name, file);
  return files;
}
