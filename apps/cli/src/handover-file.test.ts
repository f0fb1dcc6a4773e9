import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '@cdm/core';
import { codedError } from '@cdm/core/testing';
import { decodeHandover, encodeHandover, type Handover } from './handover-file';

const provenance = {
  cascade: '/x/cascade.json',
  stages: [{ name: 'base', resolution: 2, params: { sampler: 'ddpm', steps: 4 } }],
  seed: 7,
  batch: 2,
  seconds: 1.5,
};

function handover(): Handover {
  const values = (offset: number) => Float32Array.from({ length: 3 * 2 * 2 * 1 }, (_, i) => offset + i / 16);
  return { count: 3, labels: Int32Array.from([2, 0, 1]), imageShape: [2, 2, 1], levels: new Map([[34, values(1)], [0, values(0)]]), provenance };
}

const decode = (bytes: Uint8Array) => decodeHandover(bytes, '--handover', 'h.safetensors');

describe('hand-over files', () => {
  it('read back what was written: labels, every level in order, shape and provenance', () => {
    const back = decode(encodeHandover(handover()));
    expect(back.count).toBe(3);
    expect(Array.from(back.labels!)).toEqual([2, 0, 1]);
    expect(back.imageShape).toEqual([2, 2, 1]);
    expect([...back.levels.keys()]).toEqual([0, 34]);
    expect(Array.from(back.levels.get(34)!)).toEqual(Array.from(handover().levels.get(34)!));
    expect(back.provenance).toEqual(provenance);
  });

  it('keep unconditional hand-overs without labels', () => {
    const back = decode(encodeHandover({ ...handover(), labels: undefined }));
    expect(back.labels).toBeUndefined();
  });

  it('reject other safetensors files, naming the flag, the path and what is wrong', async () => {
    const weights = writeSafetensors({ w: { shape: [1], data: new Float32Array(1) } }, { format: 'cdm-stage' });
    expect(await codedError(() => decode(weights))).toMatchObject({
      code: 'CDM_INVALID_ARGUMENT',
      message: expect.stringContaining('Invalid --handover: expected a hand-over file written by cdm eval --save-handover, got "h.safetensors, whose metadata has format \\"cdm-stage\\""'),
    });
    const noClean = writeSafetensors({ level5: { shape: [1, 1, 1, 1], data: new Float32Array(1) } }, { format: 'cdm-handover', provenance: '{}' });
    expect((await codedError(() => decode(noClean))).message).toContain('tensors include no level0 images');
    const mixed = writeSafetensors(
      { level0: { shape: [1, 2, 2, 1], data: new Float32Array(4) }, level5: { shape: [1, 1, 1, 4], data: new Float32Array(4) } },
      { format: 'cdm-handover', provenance: '{}' },
    );
    expect((await codedError(() => decode(mixed))).message).toContain('level5 has shape [1, 1, 1, 4], not [N, h, w, c] like the other levels');
    const badLabels = writeSafetensors(
      { level0: { shape: [2, 1, 1, 1], data: new Float32Array(2) }, labels: { shape: [2], data: new Float32Array(2) } },
      { format: 'cdm-handover', provenance: '{}' },
    );
    expect((await codedError(() => decode(badLabels))).message).toContain('labels are F32 [2], not I32 [2]');
    const badProvenance = writeSafetensors({ level0: { shape: [1, 1, 1, 1], data: new Float32Array(1) } }, { format: 'cdm-handover', provenance: '{' });
    expect((await codedError(() => decode(badProvenance))).message).toContain('provenance metadata is not JSON');
  });
});
