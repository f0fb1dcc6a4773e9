import type { ConvCase } from '../wasm/conv-cases';
import { convCases } from '../wasm/conv-cases';

/**
 * The shared spread of convolution shapes plus ones large enough to cross the native kernels'
 * blocking: more output pixels than one 192-row chunk, more than 256 reduction terms (one KC
 * slice), channel counts that leave partial micro-tiles, more than 2048 output channels (two column
 * blocks of the filter that Conv2D packs once per call; thousands of reduction terms in the input
 * gradient), strided input gradients whose pixel classes (by position modulo the stride) span
 * several row chunks or get different numbers of taps (stride 3, a 5×5 filter), dilation (tests only).
 * 3×3 stride-1 convolutions with 16 or more channels on both sides run by Winograd's F(2×2, 3×3)
 * (native/src/winograd.cc), forward and input gradient: odd image sizes (partial output tiles),
 * 'same', 'valid' and asymmetric padding (the input gradient pads by 2 − pad), tiles over several
 * chunks and both threads, channel counts past a 16-lane vector and past one KC slice (300); the
 * filter gradient by Winograd's transposed form where the channels sum to 192 or more (300 → 20,
 * 96 → 100, and 16 → 176 over 180 tiles: more than one of its longer chunks).
 */
export const nativeConvCases: (ConvCase & { dilation?: number })[] = [
  ...convCases,
  { batch: 2, size: [17, 19], inChannels: 40, outChannels: 70, kernel: 3, stride: 1, pad: 'same' },
  { batch: 3, size: [16, 16], inChannels: 64, outChannels: 33, kernel: 3, stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { batch: 2, size: [12, 10], inChannels: 130, outChannels: 20, kernel: 1, stride: 1, pad: 'valid' },
  { batch: 1, size: [4, 3], inChannels: 3, outChannels: 2100, kernel: 3, stride: 1, pad: 'same' },
  { batch: 2, size: [33, 31], inChannels: 20, outChannels: 24, kernel: 3, stride: 2, pad: 'same' },
  { batch: 2, size: [10, 11], inChannels: 5, outChannels: 6, kernel: 5, stride: 3, pad: 'valid' },
  { batch: 1, size: [9, 8], inChannels: 4, outChannels: 3, kernel: 2, stride: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
  { batch: 2, size: [9, 7], inChannels: 300, outChannels: 20, kernel: 3, stride: 1, pad: 'valid' },
  { batch: 3, size: [6, 5], inChannels: 16, outChannels: 17, kernel: 3, stride: 1, pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { batch: 2, size: [9, 11], inChannels: 96, outChannels: 100, kernel: 3, stride: 1, pad: 'same' },
  { batch: 2, size: [20, 18], inChannels: 16, outChannels: 176, kernel: 3, stride: 1, pad: 'same' },
];

/** Float32 sums of up to ~600 products in another order than tfjs-cpu's: 2e-5 of the largest value. */
export const NATIVE_TOLERANCE = 2e-5;
