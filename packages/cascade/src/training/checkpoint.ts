import type * as tf from '@tensorflow/tfjs-core';
import { errors, joinPath, readSafetensors, toFloat32, writeSafetensors, type RngState, type Storage, type TimestepSamplerState } from '@cdm/core';
import type { LogAccumulatorState } from './training-log';

/** The file that names the current checkpoint of a run; written last, so it always names a complete one. */
export const TRAINING_STATE_FILE = 'state.json';
export const TRAINING_STATE_FORMAT = 'cdm-training-state';

/** What must match for a run to resume exactly (the options that change the data or the random stream). */
export interface TrainingRunSettings {
  readonly seed: number;
  readonly batchSize: number;
  readonly gradAccumulation: number;
  readonly classDropout: number;
  readonly timestepSampler: string;
  readonly loss: string;
}

/** `state.json`: everything besides the tensors that a resumed run needs, as plain JSON. */
export interface TrainingState {
  readonly format: typeof TRAINING_STATE_FORMAT;
  readonly version: 1;
  readonly stage: string;
  /** Updates completed. */
  readonly step: number;
  /** Examples consumed from the dataset stream (its `start` on resume). */
  readonly examplesSeen: number;
  /** Training time summed over every session of the run. */
  readonly trainingSeconds: number;
  /** The tensor files, relative to the run directory. */
  readonly files: { readonly model: string; readonly ema: string; readonly optimizer: string };
  readonly rng: RngState;
  /** The denoiser's own generator (dropout masks), when it has one (`Denoiser.randomState`). */
  readonly denoiserRng?: RngState;
  readonly timestepSampler: TimestepSamplerState;
  readonly optimizer: { readonly name: 'adam'; readonly beta1: number; readonly beta2: number; readonly epsilon: number; readonly updates: number };
  readonly ema: { readonly decay: number; readonly warmup: boolean; readonly updates: number };
  readonly settings: TrainingRunSettings;
  /**
   * The log's sums of the steps since its last line, and the wall-clock seconds they took, when the
   * checkpoint fell between two lines: a resumed run's next line then covers those steps too, as an
   * uninterrupted run's would. Absent when the log was flushed at the checkpoint (and in older checkpoints).
   */
  readonly log?: { readonly pending: LogAccumulatorState; readonly seconds: number };
}

/** A checkpoint as read back: the state and every tensor set by name. */
export interface LoadedCheckpoint {
  readonly state: TrainingState;
  readonly model: ReadonlyMap<string, Float32Array>;
  readonly ema: ReadonlyMap<string, Float32Array>;
  readonly firstMoment: ReadonlyMap<string, Float32Array>;
  readonly secondMoment: ReadonlyMap<string, Float32Array>;
  /** The shape each tensor was saved with, per set (moments by parameter name). */
  readonly shapes: {
    readonly model: ReadonlyMap<string, readonly number[]>;
    readonly ema: ReadonlyMap<string, readonly number[]>;
    readonly firstMoment: ReadonlyMap<string, readonly number[]>;
    readonly secondMoment: ReadonlyMap<string, readonly number[]>;
  };
}

/** The tensors a checkpoint saves, read out of their variables. */
export interface CheckpointTensors {
  readonly model: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  readonly ema: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  readonly firstMoment: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  readonly secondMoment: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
}

/** Where the checkpoint of a step lives, relative to the run directory. */
export function checkpointDirectory(step: number): string {
  return `checkpoints/step-${String(step).padStart(7, '0')}`;
}

/** Reads variables into float32 arrays (asynchronously, so it works on every backend). */
export async function readVariables(variables: ReadonlyMap<string, tf.Tensor>): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, variable] of variables) out.set(name, { shape: [...variable.shape], data: Float32Array.from(await variable.data()) });
  return out;
}

/** The first tensor set and name holding a NaN or Infinity, if any. */
export function findNonFinite(tensors: CheckpointTensors): string | undefined {
  for (const [set, map] of Object.entries(tensors) as [string, CheckpointTensors['model']][]) {
    for (const [name, { data }] of map) if (!data.every(Number.isFinite)) return `${set} "${name}"`;
  }
  return undefined;
}

/**
 * Writes a checkpoint: model, EMA and optimizer safetensors under `checkpoints/step-NNNNNNN/`, then
 * `state.json`, which names them. Each `storage.write` is atomic, and `state.json` is written last,
 * so a crash at any moment leaves `state.json` naming the previous complete checkpoint. Earlier
 * checkpoints stay until `pruneCheckpoints` deletes them. Tensors are stored in their tfjs layout
 * (metadata `layout: "tfjs"`). The caller checks that the tensors are finite first.
 */
export async function writeCheckpoint(
  storage: Storage,
  runDir: string,
  state: Omit<TrainingState, 'files' | 'format' | 'version'>,
  tensors: CheckpointTensors,
): Promise<TrainingState> {
  const dir = checkpointDirectory(state.step);
  const files = { model: `${dir}/model.safetensors`, ema: `${dir}/ema.safetensors`, optimizer: `${dir}/optimizer.safetensors` };
  const metadata = { format: 'cdm', layout: 'tfjs', stage: state.stage, step: String(state.step) };
  await storage.write(joinPath(runDir, files.model), writeSafetensors(tensors.model, metadata));
  await storage.write(joinPath(runDir, files.ema), writeSafetensors(tensors.ema, { ...metadata, ema_decay: String(state.ema.decay) }));
  const moments = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, tensor] of tensors.firstMoment) moments.set(`${name}.exp_avg`, tensor);
  for (const [name, tensor] of tensors.secondMoment) moments.set(`${name}.exp_avg_sq`, tensor);
  await storage.write(joinPath(runDir, files.optimizer), writeSafetensors(moments, { ...metadata, optimizer: 'adam', updates: String(state.optimizer.updates) }));
  const full: TrainingState = { format: TRAINING_STATE_FORMAT, version: 1, ...state, files };
  await storage.write(joinPath(runDir, TRAINING_STATE_FILE), new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`));
  return full;
}

/** Reads the run's current checkpoint, or undefined when the run has none. */
export async function readCheckpoint(storage: Storage, runDir: string): Promise<LoadedCheckpoint | undefined> {
  const statePath = joinPath(runDir, TRAINING_STATE_FILE);
  if (!(await storage.exists(statePath))) return undefined;
  const text = new TextDecoder().decode(await storage.read(statePath));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.invalidArgument(statePath, 'a JSON training state', `${text.length} characters that are not JSON`);
  }
  const state = checkState(parsed, statePath);
  // Checkpoints are written as F32; a tensor of another dtype over the same bytes (an I32, say) is
  // refused rather than read as garbage. Shapes are returned for the caller to check against its network.
  const load = async (path: string) => {
    const source = joinPath(runDir, path);
    const file = readSafetensors(await storage.read(source));
    const problems = [...file.tensors].filter(([, t]) => t.dtype !== 'F32').map(([name, t]) => `${name}: dtype ${t.dtype}, expected F32`);
    if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
    return {
      data: new Map([...file.tensors].map(([name, tensor]) => [name, toFloat32(tensor)] as const)),
      shapes: new Map([...file.tensors].map(([name, tensor]) => [name, tensor.shape] as const)),
    };
  };
  const model = await load(state.files.model);
  const ema = await load(state.files.ema);
  const moments = await load(state.files.optimizer);
  const firstMoment = new Map<string, Float32Array>();
  const secondMoment = new Map<string, Float32Array>();
  const firstShapes = new Map<string, readonly number[]>();
  const secondShapes = new Map<string, readonly number[]>();
  for (const [name, data] of moments.data) {
    const shape = moments.shapes.get(name)!;
    if (name.endsWith('.exp_avg_sq')) {
      secondMoment.set(name.slice(0, -'.exp_avg_sq'.length), data);
      secondShapes.set(name.slice(0, -'.exp_avg_sq'.length), shape);
    } else if (name.endsWith('.exp_avg')) {
      firstMoment.set(name.slice(0, -'.exp_avg'.length), data);
      firstShapes.set(name.slice(0, -'.exp_avg'.length), shape);
    } else throw errors.checkpointMismatch(joinPath(runDir, state.files.optimizer), [`${name}: neither .exp_avg nor .exp_avg_sq`]);
  }
  return {
    state,
    model: model.data,
    ema: ema.data,
    firstMoment,
    secondMoment,
    shapes: { model: model.shapes, ema: ema.shapes, firstMoment: firstShapes, secondMoment: secondShapes },
  };
}

/**
 * Checks every tensor set of a checkpoint against the network's parameters: names and shapes (a
 * transposed [3, 8] saved for an [8, 3] parameter has the right size but is refused). Lists every
 * problem in one CDM_CHECKPOINT_MISMATCH naming the run's state file.
 */
export function checkCheckpointShapes(parameters: ReadonlyMap<string, { readonly shape: readonly number[] }>, checkpoint: LoadedCheckpoint, source: string): void {
  const problems: string[] = [];
  for (const [set, shapes] of Object.entries(checkpoint.shapes) as [string, ReadonlyMap<string, readonly number[]>][]) {
    for (const [name, parameter] of parameters) {
      const shape = shapes.get(name);
      if (shape === undefined) problems.push(`${set} ${name}: missing`);
      else if (shape.length !== parameter.shape.length || shape.some((d, i) => d !== parameter.shape[i])) {
        problems.push(`${set} ${name}: shape [${shape.join(', ')}], expected [${parameter.shape.join(', ')}]`);
      }
    }
    for (const name of shapes.keys()) if (!parameters.has(name)) problems.push(`${set} ${name}: not a parameter of the denoiser`);
  }
  if (problems.length > 0) throw errors.checkpointMismatch(source, problems);
}

function checkState(value: unknown, source: string): TrainingState {
  const record = (v: unknown, field: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw errors.invalidArgument(`${source}: ${field}`, 'an object', v);
    return v as Record<string, unknown>;
  };
  const count = (v: unknown, field: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw errors.invalidArgument(`${source}: ${field}`, 'a non-negative integer', v);
  };
  const text = (v: unknown, field: string) => {
    if (typeof v !== 'string') throw errors.invalidArgument(`${source}: ${field}`, 'a string', v);
  };
  const state = record(value, '(top level)');
  if (state['format'] !== TRAINING_STATE_FORMAT) throw errors.invalidArgument(`${source}: format`, JSON.stringify(TRAINING_STATE_FORMAT), state['format']);
  if (state['version'] !== 1) throw errors.invalidArgument(`${source}: version`, '1', state['version']);
  text(state['stage'], 'stage');
  count(state['step'], 'step');
  count(state['examplesSeen'], 'examplesSeen');
  const files = record(state['files'], 'files');
  for (const key of ['model', 'ema', 'optimizer']) text(files[key], `files.${key}`);
  const rng = state['rng'];
  if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
    throw errors.invalidArgument(`${source}: rng`, 'four unsigned 32-bit integers', rng);
  }
  const denoiserRng = state['denoiserRng'];
  if (denoiserRng !== undefined && (!Array.isArray(denoiserRng) || denoiserRng.length !== 4 || !denoiserRng.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32))) {
    throw errors.invalidArgument(`${source}: denoiserRng`, 'four unsigned 32-bit integers', denoiserRng);
  }
  record(state['timestepSampler'], 'timestepSampler');
  const optimizer = record(state['optimizer'], 'optimizer');
  count(optimizer['updates'], 'optimizer.updates');
  const ema = record(state['ema'], 'ema');
  count(ema['updates'], 'ema.updates');
  record(state['settings'], 'settings');
  if (state['log'] !== undefined) checkLogState(record(state['log'], 'log'), `${source}: log`);
  return state as unknown as TrainingState;
}

/** The `log` field of a training state: finite sums and counts that fit each other. */
function checkLogState(log: Record<string, unknown>, source: string): void {
  const pending = log['pending'];
  const fail = (what: string, got: unknown): never => {
    throw errors.invalidArgument(source, what, got);
  };
  if (typeof log['seconds'] !== 'number' || !(log['seconds'] >= 0)) fail('seconds: a non-negative number', log['seconds']);
  if (typeof pending !== 'object' || pending === null) fail('pending: an object', pending);
  const p = pending as Record<string, unknown>;
  const finite = (key: string) => typeof p[key] === 'number' && Number.isFinite(p[key]);
  const counts = (key: string) => typeof p[key] === 'number' && Number.isInteger(p[key]) && (p[key] as number) >= 0;
  for (const key of ['loss', 'mse', 'vb', 'gradNorm', 'lr']) if (!finite(key)) fail(`pending.${key}: a finite number`, p[key]);
  for (const key of ['steps', 'examples']) if (!counts(key)) fail(`pending.${key}: a non-negative integer`, p[key]);
  if (typeof p['hasVb'] !== 'boolean') fail('pending.hasVb: true or false', p['hasVb']);
  const four = (key: string, check: (v: unknown) => boolean) => Array.isArray(p[key]) && (p[key] as unknown[]).length === 4 && (p[key] as unknown[]).every(check);
  if (!four('quartileSum', (v) => typeof v === 'number' && Number.isFinite(v))) fail('pending.quartileSum: four finite numbers', p['quartileSum']);
  if (!four('quartileCount', (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) fail('pending.quartileCount: four non-negative integers', p['quartileCount']);
  if ((p['quartileCount'] as number[]).reduce((a, b) => a + b, 0) !== p['examples']) fail('pending: quartile counts that add up to its examples', p['quartileCount']);
}
