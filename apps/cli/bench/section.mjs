// The benchmarks of @cdm/cli share apps/cli/BENCHMARKS.md: each writes its own section, between
// <!-- bench:NAME --> and <!-- /bench:NAME -->, and keeps the others.

const TITLE = '# @cdm/cli benchmarks\n\nEach section is written by its script (named in it); run it again to refresh that section alone.\n';

/** `text` with the section `name` replaced by `body` (appended when it is not there yet). */
export function replaceSection(text, name, body) {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${body.trimEnd()}\n${end}`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from >= 0 && to > from) return `${text.slice(0, from)}${block}${text.slice(to + end.length)}`;
  const base = text.trim() === '' ? TITLE : text.trimEnd();
  return `${base}\n\n${block}\n`;
}
