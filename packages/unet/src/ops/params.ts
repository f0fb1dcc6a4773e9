import type { Tensor } from '@tensorflow/tfjs-core';

/** Looks a parameter up by its state-dict key (the network's variables, or EMA copies of them). */
export type ParamLookup = (name: string) => Tensor;
