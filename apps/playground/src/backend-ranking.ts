/** What probing found for one backend: usable (on hardware or in software) or not, and why. */
export type BackendProbe =
  | { readonly usable: true; readonly software: boolean; readonly device: string }
  | { readonly usable: false; readonly reason: string };

export interface BackendProbes {
  readonly webgpu: BackendProbe;
  readonly webgl: BackendProbe;
  readonly wasm: BackendProbe;
}

export type WebBackendName = keyof BackendProbes;

/** The order `auto` tries backends in, and the one line the page shows when it does not start with WebGPU. */
export interface BackendPlan {
  readonly order: readonly WebBackendName[];
  readonly notice: string | undefined;
}

/**
 * How fast each backend is expected to be, highest first. A GPU backend on a software device
 * (SwiftShader, llvmpipe, WebGPU's fallback adapter) runs its shaders on the CPU, far slower than
 * WASM's XNNPACK kernels — for the default demo run in headless Chromium on 2 cores, WebGPU on
 * SwiftShader 501 s, WebGL on SwiftShader 49 s, WASM 5.3 s (BENCHMARKS.md) — so it comes after WASM.
 */
const RANK: Readonly<Record<WebBackendName, { readonly hardware: number; readonly software: number }>> = {
  webgpu: { hardware: 300, software: 10 },
  webgl: { hardware: 200, software: 20 },
  wasm: { hardware: 100, software: 100 },
};

const LABEL: Readonly<Record<WebBackendName, string>> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM' };

/** Why a backend is not first, in a few words. */
function whyNot(name: WebBackendName, probe: BackendProbe): string {
  if (!probe.usable) return `${LABEL[name]} is not available (${probe.reason})`;
  return `${LABEL[name]} runs on a software ${name === 'webgpu' ? 'adapter' : 'renderer'} here (${probe.device})`;
}

const rankOf = (name: WebBackendName, probe: BackendProbe): number | undefined => (probe.usable ? RANK[name][probe.software ? 'software' : 'hardware'] : undefined);

/**
 * Orders the backends `auto` tries: a GPU backend on real hardware first (WebGPU, then WebGL),
 * then WASM, then GPU backends that run in software; unusable ones are left out. When the first is
 * not WebGPU, `notice` says why in one line, e.g. "WebGPU runs on a software adapter here (google
 * swiftshader (fallback adapter)); WebGL runs on a software renderer here (ANGLE (… SwiftShader
 * …)): using WASM, the fastest backend here."
 */
export function planAutoBackend(probes: BackendProbes): BackendPlan {
  const order = (Object.keys(probes) as WebBackendName[])
    .flatMap((name) => {
      const rank = rankOf(name, probes[name]);
      return rank === undefined ? [] : [{ name, rank }];
    })
    .sort((a, b) => b.rank - a.rank)
    .map((entry) => entry.name);
  const first = order[0];
  if (first === undefined || first === 'webgpu') return { order, notice: undefined };
  const passedOver = (['webgpu', 'webgl'] as const).filter((name) => name !== first && (first === 'wasm' || name === 'webgpu'));
  const reasons = passedOver.map((name) => whyNot(name, probes[name]));
  return { order, notice: `${reasons.join('; ')}: using ${LABEL[first]}, the fastest backend here.` };
}

/** The line shown when the user picked a backend that runs in software although a faster one is here. */
export function slowChoiceNotice(choice: WebBackendName, probes: BackendProbes): string | undefined {
  const probe = probes[choice];
  if (!probe.usable || !probe.software) return undefined;
  const fastest = planAutoBackend(probes).order[0];
  if (fastest === undefined || fastest === choice) return undefined;
  return `${whyNot(choice, probe)}, so sampling will be slow: ${LABEL[fastest]} (auto) is faster here.`;
}
