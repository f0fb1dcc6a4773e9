import { errors, readSafetensors, toFloat32, writeSafetensors, type SafetensorsTensorInput } from '@cdm/core';
import type { StageSampleParams } from '@cdm/cascade';

/**
 * The images a cascade hands to its last stage, saved by `cdm eval --save-handover` and read back by
 * `cdm eval --handover`: the previous stage's finished samples (level 0) and, for truncated
 * hand-overs, its states at some levels s, all from one run (a DDPM run passes through every level
 * it can stop at, drawing the same noise as a run that stops there). Several versions of the last
 * stage can then be compared on the very same low-resolution samples, without sampling them again.
 *
 * On disk it is a safetensors file: `labels` (int32, [N], absent for unconditional cascades),
 * `level<s>` (float32, [N, h, w, c]) per level, and the provenance as metadata.
 */
export interface Handover {
  readonly count: number;
  readonly labels: Int32Array | undefined;
  /** [height, width, channels] of one image. */
  readonly imageShape: readonly [number, number, number];
  /** Images by level (0 = finished samples), count × h × w × c values each. */
  readonly levels: ReadonlyMap<number, Float32Array>;
  readonly provenance: HandoverProvenance;
}

export interface HandoverProvenance {
  /** The cascade.json that produced the images. */
  readonly cascade: string;
  /** The stages that ran, with the parameters they ran with. */
  readonly stages: readonly { readonly name: string; readonly resolution: number; readonly params: StageSampleParams }[];
  readonly seed: number;
  readonly batch: number;
  /** Seconds the stages took. */
  readonly seconds: number;
}

const LEVEL_NAME = /^level(\d+)$/;

export function encodeHandover(handover: Handover): Uint8Array {
  const [h, w, c] = handover.imageShape;
  const tensors: [string, SafetensorsTensorInput][] = [];
  if (handover.labels !== undefined) tensors.push(['labels', { shape: [handover.count], data: handover.labels }]);
  for (const [level, images] of handover.levels) tensors.push([`level${level}`, { shape: [handover.count, h, w, c], data: images }]);
  return writeSafetensors(tensors, { format: 'cdm-handover', version: '1', provenance: JSON.stringify(handover.provenance) });
}

/** Reads a hand-over file; `flag` and `path` name it in errors. */
export function decodeHandover(bytes: Uint8Array, flag: string, path: string): Handover {
  const file = readSafetensors(bytes);
  const bad = (detail: string) => errors.invalidArgument(flag, 'a hand-over file written by cdm eval --save-handover', `${path}, whose ${detail}`);
  if (file.metadata.format !== 'cdm-handover') throw bad(`metadata has format ${JSON.stringify(file.metadata.format ?? null)}`);
  let provenance: HandoverProvenance;
  try {
    provenance = JSON.parse(file.metadata.provenance ?? '') as HandoverProvenance;
  } catch {
    throw bad('provenance metadata is not JSON');
  }
  const levels = new Map<number, Float32Array>();
  let shape: readonly number[] | undefined;
  for (const [name, tensor] of file.tensors) {
    const match = LEVEL_NAME.exec(name);
    if (match === null) continue;
    if (tensor.shape.length !== 4 || (shape !== undefined && tensor.shape.some((d, i) => d !== shape![i]))) {
      throw bad(`${name} has shape [${tensor.shape.join(', ')}], not [N, h, w, c] like the other levels`);
    }
    shape = tensor.shape;
    levels.set(Number(match[1]), toFloat32(tensor, name));
  }
  if (shape === undefined || !levels.has(0)) throw bad('tensors include no level0 images');
  const labelsTensor = file.tensors.get('labels');
  let labels: Int32Array | undefined;
  if (labelsTensor !== undefined) {
    if (labelsTensor.dtype !== 'I32' || labelsTensor.shape.length !== 1 || labelsTensor.shape[0] !== shape[0]) {
      throw bad(`labels are ${labelsTensor.dtype} [${labelsTensor.shape.join(', ')}], not I32 [${shape[0]}]`);
    }
    labels = labelsTensor.data as Int32Array;
  }
  return { count: shape[0]!, labels, imageShape: [shape[1]!, shape[2]!, shape[3]!], levels: new Map([...levels].sort((a, b) => a[0] - b[0])), provenance };
}
