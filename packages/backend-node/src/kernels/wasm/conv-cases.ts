/** The spread of convolution shapes the replacement kernels are checked on (tests only). */
export interface ConvCase {
  readonly batch: number;
  readonly size: readonly [number, number];
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
}

const explicit: ConvCase['pad'] = [[0, 0], [1, 0], [2, 1], [0, 0]];
const images = [
  { batch: 1, size: [5, 5] as const, inChannels: 1, outChannels: 4 },
  { batch: 3, size: [8, 7] as const, inChannels: 3, outChannels: 2 },
  { batch: 2, size: [9, 6] as const, inChannels: 4, outChannels: 1 },
];

/** Every combination of 1×1 / 3×3, stride 1 / 2, 'same' / 'valid' / explicit over three image shapes, plus a 5×5. */
export const convCases: ConvCase[] = [
  ...images.flatMap((image) =>
    [1, 3].flatMap((kernel) => [1, 2].flatMap((stride) => (['same', 'valid', explicit] as const).map((pad) => ({ ...image, kernel, stride, pad })))),
  ),
  { batch: 2, size: [11, 10], inChannels: 3, outChannels: 3, kernel: 5, stride: 2, pad: 'same' },
];

export const describeCase = (c: ConvCase) =>
  `${c.kernel}×${c.kernel} stride ${c.stride}, ${typeof c.pad === 'string' ? `'${c.pad}'` : `explicit ${JSON.stringify(c.pad.slice(1, 3))}`}, ` +
  `x [${c.batch}, ${c.size.join(', ')}, ${c.inChannels}] → ${c.outChannels} channels`;
