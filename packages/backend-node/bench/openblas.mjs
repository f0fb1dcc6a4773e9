// The PyTorch reference's BLAS. Debian's python3-torch links libblas.so.3, which is the netlib
// *reference* BLAS unless another implementation is installed (1024³ matmul ~4.5 GFLOP/s here
// against ~90 with OpenBLAS): timing PyTorch on it handicaps the anchor. When Debian's OpenBLAS
// (libopenblas0-pthread) is installed, the reference runs with its directory first on
// LD_LIBRARY_PATH; as root with apt-get it is installed the way scripts/ensure-chromium.mjs installs
// chromium; otherwise the bench says so and PyTorch runs on whatever libblas.so.3 is.
//
//   CDM_SKIP_OPENBLAS_INSTALL=1 npm run bench   # never install
//
// Note: installing the package also makes OpenBLAS the system's default libblas.so.3 (Debian's
// alternatives, priority 100 over the reference's 10); the bench sets the path explicitly anyway.
import { existsSync } from 'node:fs';
import { ensureDebianPackage } from '../../../scripts/debian-package.mjs';

export const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const PACKAGE = 'libopenblas0-pthread';
const HOW = `apt-get install -y ${PACKAGE} (Debian/Ubuntu, as root)`;

/** Returns `{ dir }` when OpenBLAS is (or has just been) installed, else `{ reason }`; logs what it did. */
export function ensureOpenBlas({ install = process.env.CDM_SKIP_OPENBLAS_INSTALL !== '1', say = (t) => console.error(`[bench] ${t}`) } = {}) {
  const result = ensureDebianPackage({
    name: PACKAGE,
    what: `${OPENBLAS_DIR}/libblas.so.3`,
    present: () => existsSync(`${OPENBLAS_DIR}/libblas.so.3`),
    skip: !install,
    skipVariable: 'CDM_SKIP_OPENBLAS_INSTALL',
    say,
  });
  return result.ok ? { dir: OPENBLAS_DIR } : { reason: `${result.reason}; ${HOW}` };
}

/**
 * The environment PyTorch is timed in: OpenBLAS first on the library path when there is one, and
 * OMP_WAIT_POLICY=PASSIVE (with OpenMP's default spinning, 2-thread runs collapse 4–10× as soon as
 * another process wants a core). OPENBLAS_NUM_THREADS follows the thread count under test.
 */
export function torchEnvironment(openblas, threads, base = process.env) {
  const env = { ...base, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (openblas.dir) env.LD_LIBRARY_PATH = [openblas.dir, base.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return env;
}
