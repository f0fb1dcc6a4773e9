import { writeSafetensors } from '@cdm/core';
import { describe, expect, it } from 'vitest';
import { decodeFeatureFile, encodeFeatureFile, type FeatureFile } from './feature-file';

const file: FeatureFile = {
  samples: Float32Array.from({ length: 6 }, (_, i) => i / 7),
  real: Float32Array.from({ length: 8 }, (_, i) => -i),
  count: 3,
  realCount: 4,
  featureDim: 2,
  labels: Int32Array.from([2, 0, 1]),
  extractor: 'net',
  fingerprint: 'abcd1234',
  provenance: { cascade: 'c.json', seed: 1 },
};

describe('feature files', () => {
  it('round-trip samples, real features, labels and provenance exactly', () => {
    const back = decodeFeatureFile(encodeFeatureFile(file), 'f.safetensors');
    expect(back).toEqual(file);
    const { labels: _labels, fingerprint: _fingerprint, ...unconditional } = file;
    expect(decodeFeatureFile(encodeFeatureFile(unconditional), 'f')).toEqual(unconditional);
  });

  it('refuses other safetensors files and inconsistent shapes, naming the file', () => {
    expect(() => decodeFeatureFile(writeSafetensors({ x: { shape: [1], data: new Float32Array(1) } }, { format: 'other' }), 'w.safetensors')).toThrow(
      /w\.safetensors: expected a cdm-eval-features file written by cdm eval --save-features, got .*format is .*other/,
    );
    const wrongReal = writeSafetensors({ samples: { shape: [3, 2], data: new Float32Array(6) }, real: { shape: [2, 3], data: new Float32Array(6) } }, { format: 'cdm-eval-features' });
    expect(() => decodeFeatureFile(wrongReal, 'r')).toThrow(/no F32 \[count, 2\] tensor .*real/);
    expect(() => encodeFeatureFile({ ...file, count: 4 })).toThrow(/CDM_INVALID_ARGUMENT/);
  });
});
