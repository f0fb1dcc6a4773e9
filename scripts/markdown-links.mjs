// Relative links of a markdown file, and those that do not resolve to a file of a given list: a
// README inside an npm tarball may only link to files in that tarball (a link to ../../examples/…
// works on GitHub but is a 404 on npm and in node_modules). Used by scripts/pack-check.mjs and
// apps/cli/src/packed-readme-links.test.ts.

/**
 * The relative link targets of a markdown text, outside code fences and code spans: inline links
 * and images `[text](target "title")`, reference definitions `[id]: target`, and HTML `href`/`src`
 * attributes. Absolute URLs (`https:`, `mailto:`, `//host`) and anchor-only links (`#section`) are
 * left out; each target is returned without its `#anchor` or `?query`.
 *
 * @param {string} markdown
 * @returns {{ target: string, line: number }[]}
 */
export function relativeLinks(markdown) {
  const links = [];
  let fence;
  markdown.split('\n').forEach((raw, index) => {
    const open = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence !== undefined) {
      if (open !== null && open[1][0] === fence[0] && open[1].length >= fence.length && raw.trim() === open[1]) fence = undefined;
      return;
    }
    if (open !== null) {
      fence = open[1];
      return;
    }
    const text = raw.replace(/(`+)[\s\S]*?\1/g, ''); // code spans
    const targets = [];
    for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) targets.push(m[1]);
    const definition = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(text);
    if (definition !== null) targets.push(definition[1]);
    for (const m of text.matchAll(/\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) targets.push(m[1] ?? m[2]);
    for (let target of targets) {
      if (target.startsWith('<') && target.endsWith('>')) target = target.slice(1, -1);
      if (target === '' || target.startsWith('#') || target.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const path = target.replace(/[#?].*$/, '');
      if (path !== '') links.push({ target: path, line: index + 1 });
    }
  });
  return links;
}

/**
 * The links of `markdown` (the README at `readmePath` inside the package, e.g. 'README.md') that do
 * not resolve to one of `files` (paths relative to the package root, '/'-separated), or to a folder
 * holding one of them, or that leave the package.
 *
 * @param {string} markdown
 * @param {Iterable<string>} files
 * @param {string} [readmePath]
 * @returns {{ target: string, line: number, reason: string }[]}
 */
export function brokenLinks(markdown, files, readmePath = 'README.md') {
  const list = [...files].map((f) => f.replace(/^\.\//, ''));
  const present = new Set(list);
  const folders = new Set(list.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const base = readmePath.split('/').slice(0, -1);
  const broken = [];
  for (const { target, line } of relativeLinks(markdown)) {
    let decoded;
    try {
      decoded = decodeURIComponent(target);
    } catch {
      decoded = target;
    }
    const parts = decoded.startsWith('/') ? [] : [...base];
    let outside = false;
    for (const part of decoded.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.length === 0) outside = true;
        else parts.pop();
      } else parts.push(part);
    }
    const resolved = parts.join('/');
    if (outside) broken.push({ target, line, reason: 'leaves the package' });
    else if (decoded.startsWith('/')) broken.push({ target, line, reason: 'an absolute path' });
    else if (!present.has(resolved) && !folders.has(resolved)) broken.push({ target, line, reason: `${resolved} is not in the package` });
  }
  return broken;
}
