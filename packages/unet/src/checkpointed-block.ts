import * as tf from '@tensorflow/tfjs-core';
import { createRng, errors, type Rng } from '@cdm/core';
import type { ParamLookup } from './ops/params';

/** One block of the network as a function of its input, the embedding, its parameters and the dropout generator. */
export type BlockFn = (h: tf.Tensor4D, emb: tf.Tensor2D, param: ParamLookup, rng: Rng) => tf.Tensor4D;

export interface CheckpointedBlockOptions {
  /** The state-dict names of the block's parameters (gradients flow to exactly these). */
  readonly names: readonly string[];
  /** Whether the block reads the embedding (residual blocks do); a block that does not gets no gradient path for it. */
  readonly usesEmbedding: boolean;
  readonly param: ParamLookup;
  /** The network's dropout generator: the forward draws from it as usual, the backward replays the same draws. */
  readonly rng: Rng;
}

/**
 * Gradient checkpointing (Chen et al. 2016, "Training deep nets with sublinear memory cost") for one
 * block: the forward runs outside the gradient tape and keeps only the block's input and the
 * embedding; the backward recomputes the block from them (with the dropout generator rewound to
 * where the forward started, so the masks are the same) and differentiates that. One more block
 * forward per step, in exchange for not holding the block's activations between forward and backward.
 */
export function checkpointedBlock(block: BlockFn, options: CheckpointedBlockOptions): (h: tf.Tensor4D, emb: tf.Tensor2D) => tf.Tensor4D {
  const { names, usesEmbedding, param, rng } = options;
  const lookup = (values: readonly tf.Tensor[]): ParamLookup => {
    const byName = new Map(names.map((name, i) => [name, values[i]!]));
    return (name) => {
      const value = byName.get(name);
      if (value === undefined) throw errors.invalidArgument('checkpointed block parameter', `one of the block's ${names.length} parameters`, name);
      return value;
    };
  };
  return (h, emb) => {
    const start = rng.state();
    const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const save = args.pop() as tf.GradSaveFunc;
      const [input, embedding, ...params] = (usesEmbedding ? args : [args[0], emb, ...args.slice(1)]) as tf.Tensor[];
      save([input!, embedding!]);
      const value = tf.tidy(() => block(input as tf.Tensor4D, embedding as tf.Tensor2D, lookup(params), rng));
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [x, e] = saved as [tf.Tensor4D, tf.Tensor2D];
          const replay = createRng(start);
          const inputs = usesEmbedding ? [x, e, ...params] : [x, ...params];
          const recompute = (...values: tf.Tensor[]) => {
            const [hh, ...rest] = values;
            const ee = usesEmbedding ? (rest.shift() as tf.Tensor2D) : e;
            return block(hh as tf.Tensor4D, ee, lookup(rest), replay);
          };
          return independentGrads(recompute, inputs, dy);
        },
      };
    });
    const params = names.map((name) => param(name));
    return run(...(usesEmbedding ? [h, emb, ...params] : [h, ...params])) as tf.Tensor4D;
  };
}

/**
 * `tf.grads(f)(xs, dy)` run from inside another gradient's backward pass. tfjs keeps one active
 * tape per engine: a first-order gradient computation started there replaces it with its own and
 * clears it when done, and the outer computation then fails to release its saved tensors. The
 * outer tape is put back afterwards, so the recomputation is a separate, fully released
 * gradient computation (its activations freed before the next block's backward).
 */
function independentGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const state = tf.engine().state;
  const outer = state.activeTape;
  try {
    return tf.grads(f)(xs, dy);
  } finally {
    state.activeTape = outer;
  }
}
