import { isCdmError } from '@cdm/core';
import { describe, expect, it, vi } from 'vitest';
import { graphModelExtractor } from './graph-model-extractor';

// As if @tensorflow/tfjs-converter (an optional peer dependency) were not installed.
vi.mock('@tensorflow/tfjs-converter', () => {
  throw new Error("Cannot find package '@tensorflow/tfjs-converter'");
});

describe('graphModelExtractor without @tensorflow/tfjs-converter', () => {
  it('fails with CDM_NOT_AVAILABLE and the install command, before reading the model', async () => {
    const error = await graphModelExtractor({ model: 'http://127.0.0.1:9/never-fetched/model.json', inputSize: 8 }).then(
      () => expect.unreachable('expected an error'),
      (e: unknown) => e,
    );
    expect(isCdmError(error) && error.code).toBe('CDM_NOT_AVAILABLE');
    expect((error as Error).message).toMatch(/^Loading tfjs graph models \(@tensorflow\/tfjs-converter\) is not available\. Install the optional peer dependency next to @tensorflow\/tfjs-core: npm i @tensorflow\/tfjs-converter@\^4\.22\.0 \(it did not load: .*\) \[CDM_NOT_AVAILABLE\]$/);
  });
});
