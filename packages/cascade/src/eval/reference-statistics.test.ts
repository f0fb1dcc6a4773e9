import { createRng, memoryStorage } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { featureStatistics } from './feature-statistics';
import { cachedReferenceStatistics, decodeReferenceStatistics, encodeReferenceStatistics, referenceStatisticsFile, type ReferenceKey } from './reference-statistics';

const key: ReferenceKey = { dataset: 'procedural', split: 'world7919', resolution: 32, count: 50, extractor: 'procedural-classifier-v1' };
const rng = createRng(1);
const features = Float32Array.from({ length: 50 * 6 }, () => rng.normal());
const reference = { key, statistics: featureStatistics(features, 50, 6, key.extractor), features };

describe('reference statistics', () => {
  it('names the cache file after every field of the key', () => {
    expect(referenceStatisticsFile(key)).toBe('procedural-world7919-32px-n50-procedural-classifier-v1.safetensors');
    expect(referenceStatisticsFile({ dataset: 'procedural', resolution: 32, count: 50, extractor: 'graph-model:a/b c', fingerprint: '0badf00d' })).toBe('procedural-32px-n50-graph-model_a_b_c-0badf00d.safetensors');
  });

  it('round-trips mean and covariance bit-exactly in float64', () => {
    const decoded = decodeReferenceStatistics(encodeReferenceStatistics(reference), 'mem');
    expect(decoded.key).toEqual(key);
    expect(decoded.statistics.count).toBe(50);
    expect(decoded.statistics.extractor).toBe('procedural-classifier-v1');
    expect(decoded.statistics.mean).toEqual(reference.statistics.mean);
    expect(decoded.statistics.covariance).toEqual(reference.statistics.covariance);
    expect(decoded.features).toEqual(features);
  });

  it('computes once and then reads the cache; a different key computes again', async () => {
    const storage = memoryStorage();
    let computed = 0;
    const compute = async () => {
      computed++;
      return reference;
    };
    const first = await cachedReferenceStatistics({ storage, dir: 'cache', key, compute });
    expect(first.cached).toBe(false);
    expect(first.path).toBe('cache/procedural-world7919-32px-n50-procedural-classifier-v1.safetensors');
    const second = await cachedReferenceStatistics({ storage, dir: 'cache', key, compute });
    expect(second.cached).toBe(true);
    expect(second.statistics.covariance).toEqual(reference.statistics.covariance);
    expect(computed).toBe(1);
    // Retrained weights under the same name: another fingerprint, another file.
    const retrained = await cachedReferenceStatistics({ storage, dir: 'cache', key: { ...key, fingerprint: 'ffff0000' }, compute: async () => ({ ...reference, key: { ...key, fingerprint: 'ffff0000' } }) });
    expect([retrained.cached, computed]).toEqual([false, 1]);
    storage.delete(retrained.path);
    const other = { ...key, resolution: 16 };
    await expect(cachedReferenceStatistics({ storage, dir: 'cache', key: other, compute })).rejects.toThrow(/Invalid compute\(\): expected statistics for .*"resolution":16/);
    expect(storage.list()).toEqual(['cache/procedural-world7919-32px-n50-procedural-classifier-v1.safetensors']);
  });

  it('recomputes a corrupt cache file', async () => {
    const storage = memoryStorage({ [`cache/${referenceStatisticsFile(key)}`]: new Uint8Array([1, 2, 3]) });
    const result = await cachedReferenceStatistics({ storage, dir: 'cache', key, compute: async () => reference });
    expect(result.cached).toBe(false);
    expect(decodeReferenceStatistics(await storage.read(result.path), result.path).statistics.mean).toEqual(reference.statistics.mean);
  });
});
