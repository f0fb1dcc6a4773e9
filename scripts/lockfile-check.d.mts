/** The workspace folders (relative paths) that the root package.json's `workspaces` name. */
export function workspaceDirs(repoRoot: string): string[];
/**
 * Whether `repoRoot`'s package-lock.json agrees with its package.json files: true (in sync),
 * false (a fresh `npm install` would rewrite it; the message shows how), undefined (skipped: npm
 * could not reach the registry for what its cache lacks).
 */
export function checkLockfile(repoRoot?: string): { ok: boolean | undefined; message: string };
