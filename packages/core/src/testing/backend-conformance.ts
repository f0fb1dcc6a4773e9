import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BackendSupport } from '../contracts/backend';
import {
  backendGradientChecks,
  backendOpChecks,
  checkBackendDescription,
  checkBackendSupport,
  checkGradientFunctionsRegistered,
  type BackendCheck,
  type CheckSettings,
} from './backend-checks';
import { assertClose, readValues } from './compare';

export interface BackendConformanceOptions {
  /** Forward ops: largest allowed max |got − ref| / max |ref| against float64. Default 1e-4. */
  readonly tolerance?: number;
  /** Gradients, against central finite differences in float64, same measure. Default 1e-3. */
  readonly gradientTolerance?: number;
}

/** isSupported() as the suite sees it at collection time; a throw counts as unsupported. */
async function probe(backend: Backend): Promise<BackendSupport> {
  try {
    const support = await backend.isSupported();
    return support?.supported === true || support?.supported === false ? support : { supported: false, reason: 'malformed isSupported() result' };
  } catch (error) {
    return { supported: false, reason: `isSupported() threw: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Registers a vitest `describe` block that checks a backend plugin against the `Backend` contract
 * and its numerics against float64 references computed in plain JavaScript:
 * - the plugin's description and `isSupported()` result are well formed;
 * - `init()` makes it tfjs' current backend and is idempotent;
 * - the ops a U-Net uses (conv2d, matMul, broadcasting add/mul, exp/log/sqrt, sum/mean, softmax,
 *   resizeNearestNeighbor, concat, transpose, gather) match within `tolerance`;
 * - with `capabilities.training`, gradients (conv2d, matMul, mean, resizeNearestNeighbor at
 *   batch 2, and a loss composed of them) match central differences within `gradientTolerance`;
 * - reads work as `capabilities.asyncReadsOnly` says, and no tensor leaks.
 *
 * When `isSupported()` says no, the tfjs part is reported as skipped with the reason in its title.
 * Gradient checks need tfjs' gradient functions: import
 * `'@tensorflow/tfjs-core/dist/register_all_gradients'` in the test file (or have `init()` do it).
 *
 * ```ts
 * import { describeBackendConformance } from '@cdm/core/testing';
 * describeBackendConformance(myBackend());
 * ```
 */
export function describeBackendConformance(backend: Backend, options: BackendConformanceOptions = {}): void {
  const tolerance = options.tolerance ?? 1e-4;
  const gradientTolerance = options.gradientTolerance ?? 1e-3;
  const { training, asyncReadsOnly } = backend.capabilities ?? { training: false, asyncReadsOnly: true };

  describe(`backend "${String(backend.name)}" conformance`, async () => {
    const support = await probe(backend);

    it('describes itself: a name, a finite priority, boolean capabilities, isSupported() and init()', () => {
      checkBackendDescription(backend);
    });

    it('isSupported() resolves to a well-formed BackendSupport', async () => {
      checkBackendSupport(await backend.isSupported());
    });

    const title = support.supported ? 'on tfjs' : `on tfjs — skipped, not supported here: ${support.reason}`;
    describe.skipIf(!support.supported)(title, () => {
      let baseline = 0;
      beforeAll(async () => {
        await backend.init();
        baseline = tf.memory().numTensors;
      });

      /** Runs one check, requiring it to stay on this backend and to leave no tensor behind. */
      const runCheck = async (check: BackendCheck, settings: CheckSettings) => {
        expect(tf.getBackend(), 'another tfjs backend became current during the suite').toBe(backend.engine);
        const before = tf.memory().numTensors;
        assertClose(await check.run(settings));
        expect(tf.memory().numTensors - before, `${check.name} left tensors behind`).toBe(0);
      };

      it('init() makes it the current tfjs backend, and a second init() keeps existing tensors', async () => {
        expect(tf.getBackend()).toBe(backend.engine);
        const kept = tf.tensor1d([1, 2, 3]);
        await backend.init();
        expect(tf.getBackend()).toBe(backend.engine);
        expect(Array.from(await kept.data())).toEqual([1, 2, 3]);
        kept.dispose();
      });

      it.skipIf(asyncReadsOnly)(
        asyncReadsOnly ? 'dataSync() — skipped: capabilities.asyncReadsOnly' : 'dataSync() returns what data() does',
        async () => {
          const x = tf.range(0, 10, 1, 'float32');
          const y = tf.tidy(() => tf.mul(x, 0.5));
          await readValues(y, false);
          tf.dispose([x, y]);
        },
      );

      describe(`ops match float64 references (tolerance ${tolerance})`, () => {
        for (const check of backendOpChecks) {
          it(check.name, () => runCheck(check, { tolerance, asyncReadsOnly }));
        }
      });

      const gradientTitle = training
        ? `gradients match float64 central differences (tolerance ${gradientTolerance})`
        : 'gradients — skipped: capabilities.training is false';
      describe.skipIf(!training)(gradientTitle, () => {
        it('tfjs has gradient functions for the kernels checked', () => {
          checkGradientFunctionsRegistered();
        });
        for (const check of backendGradientChecks) {
          it(check.name, () => runCheck(check, { tolerance: gradientTolerance, asyncReadsOnly }));
        }
      });

      it('leaves as many tensors as it found after init()', () => {
        expect(tf.memory().numTensors - baseline, 'tensors leaked over the suite (a check that threw may have left some)').toBe(0);
      });
    });
  });
}
