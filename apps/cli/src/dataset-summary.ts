import type { PreparedDatasetManifest, PreparedSkippedFile } from '@cdm/core';

/** What a dataset holds, as `cdm train` and `cdm data` report it (console, `--json`, the run's dataset.json). */
export interface DatasetSummary {
  /** The dataset's name (e.g. `prepared:/…`, `procedural`). */
  readonly name: string;
  /** Where the images come from: a folder, a file set, or a generator. */
  readonly source: string;
  /** Examples the stream draws from (undefined for an unbounded generator). */
  readonly images: number | undefined;
  readonly resolution: number;
  readonly channels: number;
  /** Classes in label order, with their example counts when known. */
  readonly classes: readonly { readonly name: string; readonly count: number | undefined }[];
  /** Files that could not be decoded and were left out. */
  readonly skipped: readonly PreparedSkippedFile[];
  /** Entries that are not images the decoder reads (text files, .DS_Store, loose files, …). */
  readonly ignored: readonly PreparedSkippedFile[];
  /** Class folders without images. */
  readonly emptyClasses: readonly string[];
  /** The prepared copy that batches are read from, when there is one. */
  readonly prepared?: { readonly path: string; readonly reused: boolean; readonly decoder: string; readonly seconds: number };
}

/** The summary of a prepared dataset. */
export function preparedSummary(
  name: string,
  manifest: PreparedDatasetManifest,
  prepared?: { path: string; reused: boolean; seconds: number },
): DatasetSummary {
  return {
    name,
    source: manifest.source,
    images: manifest.size,
    resolution: manifest.resolution,
    channels: manifest.channels,
    classes: manifest.classNames.map((className, k) => ({ name: className, count: manifest.classCounts[k] })),
    skipped: manifest.skipped,
    ignored: manifest.ignored,
    emptyClasses: manifest.classNames.filter((_, k) => manifest.classCounts[k] === 0),
    ...(prepared === undefined ? {} : { prepared: { ...prepared, decoder: manifest.decoder } }),
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** The summary as console lines; lists are cut at `limit` entries each. */
export function formatDatasetSummary(summary: DatasetSummary, limit = 10): string[] {
  const lines: string[] = [];
  const size = `${summary.resolution}×${summary.resolution}×${summary.channels}`;
  const prepared = summary.prepared === undefined ? '' : `, prepared ${summary.prepared.reused ? '(reused)' : `in ${summary.prepared.seconds.toFixed(1)} s with ${summary.prepared.decoder}`} at ${summary.prepared.path}`;
  lines.push(`Dataset ${summary.source} at ${size}${prepared}`);
  const classes = summary.classes.map((c) => (c.count === undefined ? c.name : `${c.name} ${count(c.count)}`)).join(' · ');
  lines.push(`  ${summary.images === undefined ? 'generated images' : plural(summary.images, 'image')} in ${summary.classes.length === 1 ? '1 class' : `${count(summary.classes.length)} classes`}: ${classes}`);
  const list = (title: string, files: readonly PreparedSkippedFile[]) => {
    if (files.length === 0) return;
    lines.push(`  ${title}:`);
    for (const file of files.slice(0, limit)) lines.push(`    ${file.path}: ${file.reason}`);
    if (files.length > limit) lines.push(`    … and ${count(files.length - limit)} more (all of them in dataset.json)`);
  };
  list(`Skipped ${plural(summary.skipped.length, 'unreadable file')}`, summary.skipped);
  list(summary.ignored.length === 1 ? 'Ignored 1 entry that is not an image' : `Ignored ${count(summary.ignored.length)} entries that are not images`, summary.ignored);
  if (summary.emptyClasses.length > 0) lines.push(`  Warning: no images in ${summary.emptyClasses.join(', ')} (the label${summary.emptyClasses.length === 1 ? ' is' : 's are'} never trained)`);
  return lines;
}
