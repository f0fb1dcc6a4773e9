import * as tf from '@tensorflow/tfjs-core';
import { CdmError, installFreeingGradients } from '@cdm/core';
import { registerReductionGradients } from './reduction-gradients';

/** What ensureGradients adds to tfjs' own gradients: lighter Sum and Mean gradients, a backward pass that frees as it goes. */
function improveGradients(): void {
  registerReductionGradients();
  installFreeingGradients();
}

/** Kernels whose gradient functions a U-Net training step needs; all come with tfjs-core's set. */
const PROBES = ['Conv2D', 'BatchMatMul', 'Mean', 'Sigmoid', 'ResizeNearestNeighbor', 'Softmax', 'AddN'];

const GRADIENTS_MODULE = '@tensorflow/tfjs-core/dist/register_all_gradients.js';

/**
 * Resolve hook for `module.register`: tfjs-core's ESM files import each other without file
 * extensions ('./gradients/Abs_grad'), which bundlers accept and Node's ESM loader does not. Only
 * for imports made from inside tfjs-core's dist/ that fail to resolve, it retries with '.js' and
 * '/index.js'; everything else resolves exactly as before.
 */
const TFJS_CORE_RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTfjsCore = (context.parentURL ?? '').includes('/@tensorflow/tfjs-core/dist/');
    const code = error && error.code;
    if (fromTfjsCore && specifier.startsWith('.') && (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT')) {
      for (const suffix of ['.js', '/index.js']) {
        try { return await next(specifier + suffix, context); } catch { /* try the next suffix */ }
      }
    }
    throw error;
  }
}`;

let pending: Promise<void> | undefined;
let hookInstalled = false;

/** Which of the probed kernels tfjs has no gradient function for. */
export function missingGradients(): string[] {
  return PROBES.filter((kernel) => tf.getGradient(kernel) === undefined);
}

/**
 * Makes sure tfjs has its gradient functions, which importing '@tensorflow/tfjs-core' alone does
 * not register. Loads nothing when they are there (you imported '@tensorflow/tfjs' or
 * register_all_gradients yourself). Otherwise imports tfjs-core's register_all_gradients: directly
 * where the module system allows it (bundlers, vitest), and in plain Node through a narrowly scoped
 * resolve hook (see TFJS_CORE_RESOLVE_HOOK). Rejects with CDM_PLUGIN_FAILED saying what to import
 * when neither works. Either way Sum's and Mean's gradients are then replaced by ones that give the
 * same values without building a tensor of ones in JavaScript (./reduction-gradients.ts), and the
 * engine's backward pass by @cdm/core's `installFreeingGradients()`, which frees each intermediate
 * gradient and saved tensor once it is used (the same numbers; a lower peak).
 */
export function ensureGradients(): Promise<void> {
  if (missingGradients().length === 0) {
    improveGradients();
    return Promise.resolve();
  }
  pending ??= load()
    .then(improveGradients)
    .finally(() => {
      pending = undefined;
    });
  return pending;
}

async function load(): Promise<void> {
  // The hook goes in first: Node caches a failed import, so there is no retrying with it afterwards.
  // Where there is no Node loader (bundles), the import below is resolved by the bundler instead.
  let hookProblem = '';
  try {
    await installHook();
  } catch (error) {
    hookProblem = ` (no resolve hook: ${error instanceof Error ? error.message : String(error)})`;
  }
  let loadProblem = '';
  try {
    await import(/* @vite-ignore */ GRADIENTS_MODULE);
  } catch (error) {
    loadProblem = `: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  if (missingGradients().length === 0) return;
  throw new CdmError(
    'CDM_PLUGIN_FAILED',
    `tfjs has no gradient functions for ${missingGradients().join(', ')} and ${GRADIENTS_MODULE} could not be loaded${loadProblem}${hookProblem}`,
    "Import '@tensorflow/tfjs-core/dist/register_all_gradients' (bundlers) or '@tensorflow/tfjs' before training",
  );
}

async function installHook(): Promise<void> {
  if (hookInstalled) return;
  const nodeModule = (await import('node:module')) as { register?: (specifier: string, parentURL?: string) => void };
  if (typeof nodeModule.register !== 'function') throw new Error('node:module has no register() (Node < 20.6)');
  nodeModule.register(`data:text/javascript,${encodeURIComponent(TFJS_CORE_RESOLVE_HOOK)}`);
  hookInstalled = true;
}
