import * as tf from '@tensorflow/tfjs-core';
import { resizeImages, type DenoiserCallOptions, type DenoiserCondition, type Rng } from '@cdm/core';
import { applyBlock, applyLayer } from './apply-layer';
import { AUG_EMBED_PREFIX, type Layer, type UnetArchitecture } from './architecture';
import type { BlockContext } from './block-context';
import { checkpointedBlock } from './checkpointed-block';
import type { ResolvedUnetConfig } from './config';
import { conv2d } from './ops/conv';
import { dropout } from './ops/dropout';
import { groupNorm } from './ops/group-norm';
import type { ParamLookup } from './ops/params';
import { silu } from './ops/silu';
import { embeddingMlp } from './timestep-embedding';

/** How a forward pass holds its activations. */
export interface ForwardPlan {
  /**
   * Run each layer in its own `tf.tidy` and free each layer's output once the next layer has read
   * it, keeping only the skip connections. Under a gradient tape this frees what the backward pass
   * does not need as the forward goes: tfjs keeps the tensors each kernel saves for its gradient
   * (a kept clone that shares the data), so disposing the originals loses nothing. When false,
   * every intermediate lives until the caller's tidy ends.
   */
  readonly release: boolean;
  /** Add each convolution's bias inside the convolution (the fused kernel; inference only, it has no gradient). */
  readonly fuseBias: boolean;
  /** Gradient checkpointing per block (checkpointed-block.ts): the training path when memory is short. */
  readonly checkpoint: boolean;
}

/** The state-dict names of the parameters of a block's layers. */
function parameterNames(arch: UnetArchitecture, layers: readonly Layer[]): string[] {
  const prefixes = layers.map((layer) => `${layer.prefix}.`);
  return arch.parameters.map((spec) => spec.name).filter((name) => prefixes.some((prefix) => name.startsWith(prefix)));
}

/**
 * guided-diffusion's `UNetModel.forward` (and `SuperResModel.forward`) in NHWC. `plan` says which
 * activations are freed early (inference) or recomputed in the backward pass (checkpointing).
 */
export function forwardPass(
  c: ResolvedUnetConfig,
  arch: UnetArchitecture,
  param: ParamLookup,
  dropoutRng: Rng,
  x: tf.Tensor4D,
  t: tf.Tensor1D,
  cond: DenoiserCondition,
  options: DenoiserCallOptions,
  plan: ForwardPlan,
): tf.Tensor4D {
  const mlp = (prefix: string, s: tf.Tensor1D) => embeddingMlp(param, prefix, s, c.modelChannels);
  let emb = mlp('time_embed', t);
  if (arch.labelRows > 0) {
    // one-hot × table rather than gather: gather's gradient (UnsortedSegmentSum) is missing on wasm.
    const oneHot = tf.oneHot(tf.cast(cond.classLabels!, 'int32'), arch.labelRows) as tf.Tensor2D;
    emb = tf.add(emb, tf.matMul(tf.cast(oneHot, 'float32'), param('label_emb.weight') as tf.Tensor2D));
  }
  if (c.augLevelEmbedding) emb = tf.add(emb, mlp(AUG_EMBED_PREFIX, cond.augLevel!));

  let h: tf.Tensor4D = x;
  if (c.superRes !== null) {
    const lowRes = resizeImages(cond.lowRes!, x.shape[1], x.shape[2], c.superRes.upsample);
    h = tf.concat([x, lowRes], 3);
  }

  const training = options.training === true && c.dropout > 0;
  const contextFor = (lookup: ParamLookup, rng: Rng): BlockContext => ({
    param: lookup,
    normGroups: c.normGroups,
    useScaleShiftNorm: c.useScaleShiftNorm,
    useNewAttentionOrder: c.useNewAttentionOrder,
    dropout: training ? (y) => dropout(y, c.dropout, rng) : (y) => y,
    fuseBias: plan.fuseBias,
  });
  const ctx = contextFor(param, dropoutRng);
  const runLayers = (layers: readonly Layer[], input: tf.Tensor4D): tf.Tensor4D => {
    let y = input;
    for (const layer of layers) {
      const previous = y;
      if (!plan.release) {
        y = applyLayer(layer, previous, emb, ctx);
        continue;
      }
      y = tf.tidy(() => applyLayer(layer, previous, emb, ctx));
      if (previous !== input && previous !== y) previous.dispose();
    }
    return y;
  };
  const run = (layers: readonly Layer[], input: tf.Tensor4D): tf.Tensor4D => {
    if (!plan.checkpoint) return runLayers(layers, input);
    const block = checkpointedBlock((hh, e, lookup, rng) => applyBlock(layers, hh, e, contextFor(lookup, rng)), {
      names: parameterNames(arch, layers),
      usesEmbedding: layers.some((layer) => layer.type === 'res'),
      param,
      rng: dropoutRng,
    });
    return block(input, emb);
  };

  const skips: tf.Tensor4D[] = [];
  for (const block of arch.inputBlocks) {
    h = run(block, h);
    skips.push(h);
  }
  h = run(arch.middleBlock, h);
  for (const block of arch.outputBlocks) {
    const skip = skips.pop()!;
    const previous = h;
    if (!plan.release) {
      h = run(block, tf.concat([previous, skip], 3));
      continue;
    }
    h = tf.tidy(() => run(block, tf.concat([previous, skip], 3)));
    tf.dispose([previous, skip]); // neither is read again: `previous` is the last block's output, never a skip
  }
  const last = h;
  const head = () => conv2d(silu(groupNorm(last, c.normGroups, param('out.0.weight'), param('out.0.bias'))), param('out.2.weight'), param('out.2.bias'), 1, plan.fuseBias);
  if (!plan.release) return head();
  const out = tf.tidy(head);
  last.dispose();
  return out;
}
