/** The relative link targets of a markdown text (no absolute URLs, no anchor-only links), without `#anchor` or `?query`. */
export function relativeLinks(markdown: string): { target: string; line: number }[];
/** The links of `markdown` (at `readmePath` in the package, default 'README.md') that resolve to none of `files` nor a folder of them. */
export function brokenLinks(markdown: string, files: Iterable<string>, readmePath?: string): { target: string; line: number; reason: string }[];
