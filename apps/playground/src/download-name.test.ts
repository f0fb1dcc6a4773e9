import { describe, expect, it } from 'vitest';
import { downloadName } from './download-name';

describe('downloadName', () => {
  it('names stage, class, seed and image, so two classes with one seed do not collide', () => {
    expect(downloadName({ stageName: 'sr32', className: 'ring', seed: 7, index: 0 })).toBe('cdm-sr32-ring-seed7-image1.png');
    expect(downloadName({ stageName: 'sr32', className: 'square', seed: 7, index: 0 })).toBe('cdm-sr32-square-seed7-image1.png');
    expect(downloadName({ stageName: 'base', className: 'Big Ring/2', seed: 3, index: undefined })).toBe('cdm-base-big-ring-2-seed3-grid.png');
    expect(downloadName({ stageName: 'base', className: undefined, seed: 0, index: 15 })).toBe('cdm-base-seed0-image16.png');
  });
});
