export interface ReadmeBlock {
  /** The fence's info string: 'ts', 'js', 'json', 'sh', '' … */
  readonly lang: string;
  /** The block's text, its indentation removed, with a final newline. */
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** 'readme: …' or 'example: …' from the marker comment on the line before the fence. */
  readonly marker: string | undefined;
}
export function readmeBlocks(markdown: string): ReadmeBlock[];
export function libraryExample(markdown: string): ReadmeBlock | undefined;
