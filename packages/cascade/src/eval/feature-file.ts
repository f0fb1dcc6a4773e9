import { errors, readSafetensors, writeSafetensors, type SafetensorsTensorInput } from '@cdm/core';

export const FEATURE_FILE_FORMAT = 'cdm-eval-features';

/**
 * The features one evaluation measured, saved by `cdm eval --save-features`: the samples' features,
 * the real reference images' features (same extractor), and the samples' class labels. Rows stay in
 * sampling order, so row i of two files written from the same hand-over (`--handover`) came from the
 * same low-resolution input: what {@link jointBootstrapFid} needs to compare evaluations paired.
 */
export interface FeatureFile {
  /** [count, featureDim] float32. */
  readonly samples: Float32Array;
  /** [realCount, featureDim] float32. */
  readonly real: Float32Array;
  readonly count: number;
  readonly realCount: number;
  readonly featureDim: number;
  /** The class each sample was drawn for, when the cascade is class-conditional. */
  readonly labels?: Int32Array;
  /** The extractor's name and weight fingerprint: features from different extractors do not compare. */
  readonly extractor: string;
  readonly fingerprint?: string;
  /** Free-form provenance (the cascade, the seed, the hand-over file, …), as JSON in the file's metadata. */
  readonly provenance: Readonly<Record<string, unknown>>;
}

/** Encodes a {@link FeatureFile} as safetensors: `samples`, `real` (F32) and `labels` (I32), the rest as metadata. */
export function encodeFeatureFile(file: FeatureFile): Uint8Array {
  const { samples, real, count, realCount, featureDim: d, labels } = file;
  if (samples.length !== count * d) throw errors.invalidArgument('samples', `${count}×${d} features`, `${samples.length} values`);
  if (real.length !== realCount * d) throw errors.invalidArgument('real', `${realCount}×${d} features`, `${real.length} values`);
  if (labels !== undefined && labels.length !== count) throw errors.invalidArgument('labels', `${count} labels`, `${labels.length}`);
  const tensors: Record<string, SafetensorsTensorInput> = {
    samples: { shape: [count, d], data: samples },
    real: { shape: [realCount, d], data: real },
    ...(labels === undefined ? {} : { labels: { shape: [count], data: labels } }),
  };
  return writeSafetensors(tensors, {
    format: FEATURE_FILE_FORMAT,
    version: '1',
    extractor: file.extractor,
    ...(file.fingerprint === undefined ? {} : { fingerprint: file.fingerprint }),
    provenance: JSON.stringify(file.provenance),
  });
}

/** Decodes {@link encodeFeatureFile}'s bytes; `source` names the file in errors. */
export function decodeFeatureFile(bytes: Uint8Array, source: string): FeatureFile {
  const { metadata, tensors } = readSafetensors(bytes);
  const bad = (detail: string) => errors.invalidArgument(source, `a ${FEATURE_FILE_FORMAT} file written by cdm eval --save-features`, detail);
  if (metadata.format !== FEATURE_FILE_FORMAT) throw bad(`a file whose format is ${JSON.stringify(metadata.format ?? null)}`);
  const samples = tensors.get('samples');
  const real = tensors.get('real');
  if (samples?.dtype !== 'F32' || samples.shape.length !== 2) throw bad('no F32 [count, d] tensor "samples"');
  if (real?.dtype !== 'F32' || real.shape.length !== 2 || real.shape[1] !== samples.shape[1]) throw bad(`no F32 [count, ${samples.shape[1]!}] tensor "real"`);
  const labels = tensors.get('labels');
  if (labels !== undefined && (labels.dtype !== 'I32' || labels.shape.length !== 1 || labels.shape[0] !== samples.shape[0])) {
    throw bad(`labels that are ${labels.dtype} [${labels.shape.join(', ')}], not I32 [${samples.shape[0]!}]`);
  }
  let provenance: Record<string, unknown>;
  try {
    provenance = JSON.parse(metadata.provenance ?? '{}') as Record<string, unknown>;
  } catch {
    throw bad('provenance metadata that is not JSON');
  }
  return {
    samples: samples.data,
    real: real.data,
    count: samples.shape[0]!,
    realCount: real.shape[0]!,
    featureDim: samples.shape[1]!,
    ...(labels === undefined ? {} : { labels: labels.data as Int32Array }),
    extractor: metadata.extractor ?? '',
    ...(metadata.fingerprint === undefined ? {} : { fingerprint: metadata.fingerprint }),
    provenance,
  };
}
