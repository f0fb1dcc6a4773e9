import { errors, joinPath, readSafetensors, writeSafetensors, type Storage } from '@cdm/core';
import type { FeatureStatistics } from './feature-statistics';

export const REFERENCE_STATISTICS_FORMAT = 'cdm-reference-statistics';

/** What reference statistics were computed from; every field goes into the cache file's name. */
export interface ReferenceKey {
  /** e.g. "procedural". */
  readonly dataset: string;
  /** Which part of the dataset, e.g. "world7919" for a held-out procedural world. */
  readonly split?: string;
  readonly resolution: number;
  /** Examples used. */
  readonly count: number;
  /** The feature extractor's name. */
  readonly extractor: string;
  /** The extractor's weight fingerprint, when it has one. */
  readonly fingerprint?: string;
}

/** Reference statistics and, when kept, the reference features themselves (for precision/recall). */
export interface ReferenceStatistics {
  readonly key: ReferenceKey;
  readonly statistics: FeatureStatistics;
  /** [count, d] float32, or undefined when not stored. */
  readonly features?: Float32Array;
}

/** The cache file name of a key: `procedural-world7919-32px-n500-procedural-classifier-v1-1a2b3c4d.safetensors`. */
export function referenceStatisticsFile(key: ReferenceKey): string {
  const parts = [key.dataset, ...(key.split === undefined ? [] : [key.split]), `${key.resolution}px`, `n${key.count}`, key.extractor, ...(key.fingerprint === undefined ? [] : [key.fingerprint])];
  return `${parts.map((p) => p.replace(/[^\w.-]+/g, '_')).join('-')}.safetensors`;
}

/** Encodes reference statistics as safetensors: mean and covariance in F64, features in F32, the key as metadata. */
export function encodeReferenceStatistics(reference: ReferenceStatistics): Uint8Array {
  const { statistics: s, features, key } = reference;
  const d = s.mean.length;
  return writeSafetensors(
    {
      mean: { shape: [d], data: s.mean },
      covariance: { shape: [d, d], data: s.covariance },
      ...(features === undefined ? {} : { features: { shape: [s.count, d], data: features } }),
    },
    { format: REFERENCE_STATISTICS_FORMAT, version: '1', key: JSON.stringify(key), count: String(s.count), extractor: s.extractor },
  );
}

/** Decodes {@link encodeReferenceStatistics}' bytes; `source` names the file in errors. */
export function decodeReferenceStatistics(bytes: Uint8Array, source: string): ReferenceStatistics {
  const file = readSafetensors(bytes);
  const { metadata, tensors } = file;
  if (metadata.format !== REFERENCE_STATISTICS_FORMAT) throw errors.invalidArgument(source, `a ${REFERENCE_STATISTICS_FORMAT} safetensors file`, metadata.format ?? '(no format)');
  const mean = tensors.get('mean');
  const covariance = tensors.get('covariance');
  const features = tensors.get('features');
  if (mean?.dtype !== 'F64' || covariance?.dtype !== 'F64') throw errors.invalidArgument(source, 'F64 tensors "mean" and "covariance"', [...tensors.keys()]);
  if (features !== undefined && features.dtype !== 'F32') throw errors.invalidArgument(`${source} features`, 'F32', features.dtype);
  const key = JSON.parse(metadata.key ?? '{}') as ReferenceKey;
  const statistics: FeatureStatistics = { mean: mean.data, covariance: covariance.data, count: Number(metadata.count), extractor: metadata.extractor ?? key.extractor };
  return { key, statistics, ...(features === undefined ? {} : { features: features.data }) };
}

const sameKey = (a: ReferenceKey, b: ReferenceKey) =>
  a.dataset === b.dataset && a.split === b.split && a.resolution === b.resolution && a.count === b.count && a.extractor === b.extractor && a.fingerprint === b.fingerprint;

export interface CachedReferenceOptions {
  readonly storage: Storage;
  /** The cache directory in `storage`. */
  readonly dir: string;
  readonly key: ReferenceKey;
  /** Computes the statistics on a cache miss (a missing, unreadable or mismatching file). */
  readonly compute: () => Promise<ReferenceStatistics>;
}

/**
 * Reference statistics of a dataset for one extractor, computed once and cached through `storage`
 * under `dir/referenceStatisticsFile(key)`. A file whose stored key differs from `key` (or that does
 * not decode) is recomputed and overwritten.
 */
export async function cachedReferenceStatistics(options: CachedReferenceOptions): Promise<ReferenceStatistics & { readonly path: string; readonly cached: boolean }> {
  const { storage, dir, key, compute } = options;
  const path = joinPath(dir, referenceStatisticsFile(key));
  if (await storage.exists(path)) {
    try {
      const stored = decodeReferenceStatistics(await storage.read(path), path);
      if (sameKey(stored.key, key)) return { ...stored, path, cached: true };
    } catch {
      // An unreadable cache entry is recomputed below.
    }
  }
  const computed = await compute();
  if (!sameKey(computed.key, key)) throw errors.invalidArgument('compute()', `statistics for ${JSON.stringify(key)}`, JSON.stringify(computed.key));
  await storage.write(path, encodeReferenceStatistics(computed));
  return { ...computed, path, cached: false };
}
