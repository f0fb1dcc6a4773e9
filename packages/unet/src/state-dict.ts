import * as tf from '@tensorflow/tfjs-core';
import { errors, toFloat32, type SafetensorsSource, type SafetensorsTensor, type SafetensorsTensorInput } from '@cdm/core';
import type { ParameterSpec } from './architecture';
import { fromTorchLayout, toTorchLayout } from './torch-layout';

/** The network's weights (or an EMA copy) in PyTorch's layout, keyed by state-dict name. */
export async function exportStateDict(
  specs: readonly ParameterSpec[],
  values: ReadonlyMap<string, tf.Tensor>,
): Promise<Map<string, SafetensorsTensorInput>> {
  const out = new Map<string, SafetensorsTensorInput>();
  const problems: string[] = [];
  for (const spec of specs) {
    const tensor = values.get(spec.name);
    if (tensor === undefined) {
      problems.push(`missing tensor "${spec.name}"`);
      continue;
    }
    const data = (await tensor.data()) as Float32Array;
    if (data.length !== spec.torchShape.reduce((a, b) => a * b, 1)) {
      problems.push(`"${spec.name}" has shape [${tensor.shape.join(', ')}]`);
      continue;
    }
    out.set(spec.name, { shape: [...spec.torchShape], data: toTorchLayout(spec, data) });
  }
  if (problems.length > 0) throw errors.checkpointMismatch('the tensors to save', problems);
  return out;
}

/**
 * Checks a checkpoint's tensors against the network's parameters and converts them to tfjs
 * layout. Every problem is collected (missing, unexpected, wrong shape, non-float dtype) and
 * reported at once, by name, in one CDM_CHECKPOINT_MISMATCH error; nothing is returned otherwise.
 *
 * @param source names the file in the error message.
 * @param ignore tensors with these names are neither loaded nor reported as unexpected.
 */
export function importStateDict(
  specs: readonly ParameterSpec[],
  tensors: ReadonlyMap<string, SafetensorsTensor>,
  source: string,
  ignore: (name: string) => boolean = () => false,
): Map<string, Float32Array> {
  checkStateDict(specs, tensors, source, ignore);
  return new Map(specs.map((spec) => [spec.name, fromTorchLayout(spec, toFloat32(tensors.get(spec.name)!, spec.name))] as const));
}

/**
 * The checks of `importStateDict` on names, shapes and dtypes alone (a safetensors header is
 * enough), so a file that does not fit is refused before any tensor is read.
 */
export function checkStateDict(
  specs: readonly ParameterSpec[],
  tensors: ReadonlyMap<string, { readonly dtype: string; readonly shape: readonly number[] }>,
  source: string,
  ignore: (name: string) => boolean = () => false,
): void {
  const problems: string[] = [];
  const known = new Set<string>();
  for (const spec of specs) {
    known.add(spec.name);
    const tensor = tensors.get(spec.name);
    const want = `[${spec.torchShape.join(', ')}]`;
    if (tensor === undefined) {
      problems.push(`missing tensor "${spec.name}" (expected shape ${want})`);
      continue;
    }
    const sameShape = tensor.shape.length === spec.torchShape.length && tensor.shape.every((d, i) => d === spec.torchShape[i]);
    if (!sameShape) {
      problems.push(`"${spec.name}" has shape [${tensor.shape.join(', ')}], expected ${want}`);
      continue;
    }
    if (tensor.dtype !== 'F32' && tensor.dtype !== 'F16' && tensor.dtype !== 'BF16' && tensor.dtype !== 'F64') {
      problems.push(`"${spec.name}" has dtype ${tensor.dtype}, expected a float type`);
    }
  }
  for (const name of tensors.keys()) {
    if (!known.has(name) && !ignore(name)) problems.push(`unexpected tensor "${name}"`);
  }
  if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
}

/**
 * Loads an opened safetensors file into the network: the header is checked first (`checkStateDict`),
 * then each tensor is read, converted and assigned in turn, so no more than one tensor of the file
 * is held at a time whatever its size.
 */
export async function loadStateDict(
  specs: readonly ParameterSpec[],
  variables: ReadonlyMap<string, tf.Variable>,
  file: SafetensorsSource,
  source: string,
  ignore: (name: string) => boolean = () => false,
): Promise<void> {
  checkStateDict(specs, file.entries, source, ignore);
  for (const spec of specs) {
    const values = fromTorchLayout(spec, toFloat32(await file.read(spec.name), spec.name));
    assignParameters(variables, new Map([[spec.name, values]]));
  }
}

/** Assigns converted values (from `importStateDict`) to the network's variables. */
export function assignParameters(variables: ReadonlyMap<string, tf.Variable>, values: ReadonlyMap<string, Float32Array>): void {
  for (const [name, data] of values) {
    const variable = variables.get(name);
    if (variable === undefined) throw errors.invalidArgument('parameter name', 'a parameter of this network', name);
    tf.tidy(() => variable.assign(tf.tensor(data, variable.shape, 'float32')));
  }
}
