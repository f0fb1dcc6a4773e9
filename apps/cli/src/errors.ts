import { CdmError } from '@cdm/core';
import type { z } from 'zod';

/** Errors only the CLI raises. Codes are core's, so scripts see one vocabulary. */
export const cliErrors = {
  /** `--demo [name]` before that demo cascade has been trained into the package. */
  demoMissing(path: string, demo = 'shapes') {
    return new CdmError(
      'CDM_NOT_FOUND',
      `The ${demo} demo cascade is not trained yet: there is no ${path}`,
      demo === 'shapes'
        ? 'Train it with `npm run build && npm run demo:train -w @cdm/cli` (hours on 2 cores: apps/cli/demo/TRAINING.md has the record), or pass the path of any cascade.json instead of --demo'
        : `See apps/cli/demo/${demo}/TRAINING.md for how it is trained, or pass the path of any cascade.json instead of --demo ${demo}`,
    );
  },

  /** A JSON config that does not validate: one line per problem, each naming its field. */
  invalidConfig(file: string, issues: readonly z.core.$ZodIssue[]) {
    const lines = issues.slice(0, 20).map((issue) => `  ${formatIssue(issue)}`);
    if (issues.length > 20) lines.push(`  … and ${issues.length - 20} more`);
    return new CdmError(
      'CDM_INVALID_ARGUMENT',
      `Invalid ${file}: ${issues.length === 1 ? formatIssue(issues[0]!) : `${issues.length} problems:\n${lines.join('\n')}`}`,
      'Fix the field named above (the config reference is in the @cdm/cli README)',
    );
  },

  /** A file that should hold JSON does not parse. */
  notJson(file: string, reason: string) {
    return new CdmError('CDM_INVALID_ARGUMENT', `Invalid ${file}: expected a JSON file, got a parse error: ${reason}`);
  },
};

/** `stage.diffusion.timesteps`, `plugins[0]`, … */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(top level)' : out;
}

function formatIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const base = issue.path.length === 0 ? '' : `${formatPath(issue.path)}.`;
    return issue.keys.map((key) => `${base}${key}: unknown field`).join('; ');
  }
  return `${formatPath(issue.path)}: ${issue.message}`;
}
