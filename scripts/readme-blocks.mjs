// The fenced code blocks of a README, with the `<!-- readme: … -->` or `<!-- example: … -->` marker
// on the line before each (if any). Used by each package's readme test, which runs or checks every
// TypeScript, JavaScript and JSON block, and by scripts/pack-check.mjs, which runs the library
// example from the packed tarballs.
//
// Markers, on the line right before a fence:
//   <!-- readme: run -->            run it (the default for ts/js blocks)
//   <!-- readme: run library -->    run it; also the example pack-check runs from the tarballs
//   <!-- readme: browser -->        browser code: bundled for the browser (imports resolve), not run
//   <!-- readme: test -->           test code (a conformance suite): imported into the readme test file
//   <!-- readme: json <kind> -->    a JSON document of a kind the test validates (cascade.json, …)
//   <!-- example: <name> -->        a file of the package's examples/ shown verbatim (its own test)

/**
 * @param {string} markdown
 * @returns {{ lang: string, code: string, line: number, marker: string | undefined }[]}
 */
export function readmeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, lang] = open;
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[end])) end++;
    if (end === lines.length) throw new Error(`README line ${i + 1}: a code fence that is never closed`);
    const code = lines
      .slice(i + 1, end)
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()))
      .join('\n');
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const marker = before >= 0 ? /^\s*<!-- ((?:readme|example): .*?) -->\s*$/.exec(lines[before])?.[1] : undefined;
    blocks.push({ lang, code: `${code}\n`, line: i + 1, marker });
    i = end;
  }
  return blocks;
}

/** The block marked `<!-- readme: run library -->`, or undefined. */
export function libraryExample(markdown) {
  return readmeBlocks(markdown).find((block) => block.marker === 'readme: run library');
}
