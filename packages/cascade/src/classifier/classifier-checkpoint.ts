import { errors, joinPath, readSafetensors, toFloat32, writeSafetensors, type RngState, type Storage } from '@cdm/core';
import { checkpointDirectory } from '../training/checkpoint';

/** The file that names the run's current classifier checkpoint; written last. */
export const CLASSIFIER_STATE_FILE = 'classifier-state.json';
export const CLASSIFIER_STATE_FORMAT = 'cdm-classifier-training-state';

/** The options a resumed run must share with the original (they decide the data and the random stream). */
export interface ClassifierRunSettings {
  readonly seed: number;
  readonly batchSize: number;
  readonly maxTimestep: number;
}

/** `classifier-state.json`: everything besides the tensors that a resumed run needs. */
export interface ClassifierTrainingState {
  readonly format: typeof CLASSIFIER_STATE_FORMAT;
  readonly version: 1;
  readonly step: number;
  readonly examplesSeen: number;
  readonly trainingSeconds: number;
  readonly files: { readonly model: string; readonly optimizer: string };
  readonly rng: RngState;
  readonly optimizer: { readonly name: 'adam'; readonly updates: number };
  readonly settings: ClassifierRunSettings;
}

type Tensors = ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;

export interface LoadedClassifierCheckpoint {
  readonly state: ClassifierTrainingState;
  readonly model: ReadonlyMap<string, Float32Array>;
  readonly firstMoment: ReadonlyMap<string, Float32Array>;
  readonly secondMoment: ReadonlyMap<string, Float32Array>;
}

/**
 * Writes `checkpoints/step-NNNNNNN/{model,optimizer}.safetensors` (tfjs layout, Adam's moments as
 * `<name>.exp_avg` / `<name>.exp_avg_sq`), then the state file that names them. Every write is
 * atomic and the state goes last, so a crash leaves the previous checkpoint in force.
 */
export async function writeClassifierCheckpoint(
  storage: Storage,
  runDir: string,
  state: Omit<ClassifierTrainingState, 'files' | 'format' | 'version'>,
  tensors: { readonly model: Tensors; readonly firstMoment: Tensors; readonly secondMoment: Tensors },
): Promise<void> {
  const dir = checkpointDirectory(state.step);
  const files = { model: `${dir}/model.safetensors`, optimizer: `${dir}/optimizer.safetensors` };
  const metadata = { format: 'cdm', layout: 'tfjs', kind: 'classifier', step: String(state.step) };
  await storage.write(joinPath(runDir, files.model), writeSafetensors(tensors.model, metadata));
  const moments = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, tensor] of tensors.firstMoment) moments.set(`${name}.exp_avg`, tensor);
  for (const [name, tensor] of tensors.secondMoment) moments.set(`${name}.exp_avg_sq`, tensor);
  await storage.write(joinPath(runDir, files.optimizer), writeSafetensors(moments, { ...metadata, optimizer: 'adam' }));
  const full: ClassifierTrainingState = { format: CLASSIFIER_STATE_FORMAT, version: 1, ...state, files };
  await storage.write(joinPath(runDir, CLASSIFIER_STATE_FILE), new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`));
}

/** Reads the run's current checkpoint, or undefined when it has none. */
export async function readClassifierCheckpoint(storage: Storage, runDir: string): Promise<LoadedClassifierCheckpoint | undefined> {
  const statePath = joinPath(runDir, CLASSIFIER_STATE_FILE);
  if (!(await storage.exists(statePath))) return undefined;
  let state: ClassifierTrainingState;
  try {
    state = JSON.parse(new TextDecoder().decode(await storage.read(statePath))) as ClassifierTrainingState;
  } catch {
    throw errors.invalidArgument(statePath, 'a JSON classifier training state', 'text that is not JSON');
  }
  if (state?.format !== CLASSIFIER_STATE_FORMAT || state.version !== 1) {
    throw errors.invalidArgument(`${statePath}: format`, `"${CLASSIFIER_STATE_FORMAT}" version 1`, state?.format);
  }
  const load = async (path: string) => {
    const file = readSafetensors(await storage.read(joinPath(runDir, path)));
    return new Map([...file.tensors].map(([name, tensor]) => [name, toFloat32(tensor)] as const));
  };
  const model = await load(state.files.model);
  const firstMoment = new Map<string, Float32Array>();
  const secondMoment = new Map<string, Float32Array>();
  for (const [name, data] of await load(state.files.optimizer)) {
    if (name.endsWith('.exp_avg_sq')) secondMoment.set(name.slice(0, -'.exp_avg_sq'.length), data);
    else if (name.endsWith('.exp_avg')) firstMoment.set(name.slice(0, -'.exp_avg'.length), data);
    else throw errors.checkpointMismatch(joinPath(runDir, state.files.optimizer), [`${name}: neither .exp_avg nor .exp_avg_sq`]);
  }
  return { state, model, firstMoment, secondMoment };
}
