import { describe, expect, it } from 'vitest';
import { NVIDIA_CONTAINER_ICD, SWIFTSHADER_ICD, vulkanDriverCandidates } from './vulkan-driver';

describe('vulkanDriverCandidates', () => {
  it('leaves a driver named by the environment alone', () => {
    expect(vulkanDriverCandidates({ env: { VK_ICD_FILENAMES: '/x/icd.json' }, exists: () => true, list: () => ['a.json'] })).toEqual([
      { label: 'the driver named by the environment (/x/icd.json)', icd: undefined },
    ]);
  });

  it("tries the system's drivers, then NVIDIA's container manifest, then SwiftShader", () => {
    const candidates = vulkanDriverCandidates({ env: {}, exists: () => true, list: (dir) => (dir === '/usr/share/vulkan/icd.d' ? ['nvidia_icd.json'] : []) });
    expect(candidates.map((c) => c.icd)).toEqual([undefined, NVIDIA_CONTAINER_ICD, SWIFTSHADER_ICD]);
    expect(candidates[0]?.label).toBe("the system's Vulkan drivers (/usr/share/vulkan/icd.d/nvidia_icd.json)");
  });

  it('is empty when there is no driver at all', () => {
    expect(vulkanDriverCandidates({ env: {}, exists: () => false, list: () => [] })).toEqual([]);
  });
});
