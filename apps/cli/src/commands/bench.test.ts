import { describe, expect, it } from 'vitest';
import { benchScriptPath } from './bench';

describe('cdm bench', () => {
  it("finds @cdm/backend-node's benchmark script in the repository", () => {
    expect(benchScriptPath()).toMatch(/packages[/\\]backend-node[/\\]bench[/\\]run\.mjs$/);
  });
});
