// Which python runs the PyTorch reference: Debian's /usr/bin/python3 first (python3-torch installs
// into its dist-packages, which a pyenv or venv python3 earlier on PATH does not see), then python3
// and python on PATH. When none imports torch, the reason is printed loudly: a bench that silently
// drops its anchor compares nothing.
import { spawnSync } from 'node:child_process';

const CANDIDATES = ['/usr/bin/python3', 'python3', 'python'];
const HOW = 'Debian: apt-get install -y python3-torch (then /usr/bin/python3 imports it)';

/**
 * Returns `{ python, torch }` for the first candidate that imports torch, or `{ unavailable }` with
 * what each candidate said. `env` is the environment the reference will run in (the check uses it
 * too, so a library path that breaks torch is caught here).
 */
export function findTorchPython(env = process.env, candidates = CANDIDATES) {
  const tried = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', env, timeout: 120_000 });
    if (probe.status === 0) return { python, torch: probe.stdout.trim(), tried };
    const why = probe.error ? probe.error.code ?? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
    tried.push(`${python}: ${why}`);
  }
  return { unavailable: `no python imports torch (${tried.join('; ')}). ${HOW}`, tried };
}

/** Prints a banner on stderr when PyTorch is skipped, so the reason is not lost in the run's log. */
export function warnTorchSkipped(reason) {
  const line = '!'.repeat(100);
  console.error(`${line}\n!! PyTorch reference SKIPPED: ${reason}\n!! BENCHMARKS.md will have no PyTorch rows and no ratios.\n${line}`);
}
