import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { GaussianDiffusion, createNoiseSchedule, createRng, lossSecondMomentTimesteps, randomNormal } from '@cdm/core';

/** One training step of a toy ε-model, ε̂ = scale·x_t, with importance-sampled timesteps. */
export async function main(initialScale = 0.5) {
  const diffusion = new GaussianDiffusion({ schedule: createNoiseSchedule('linear', 1000) }); // ε, L_simple
  const timestepSampler = lossSecondMomentTimesteps(diffusion.numTimesteps);
  const rng = createRng(7);
  const scale = tf.tidy(() => tf.variable(tf.scalar(initialScale))); // the whole "network"

  const x0 = tf.tensor4d(rng.uniformArray(4 * 8 * 8 * 3).map((u) => 2 * u - 1), [4, 8, 8, 3]); // data in [−1, 1]
  const noise = randomNormal<tf.Rank.R4>(rng, x0.shape);
  const { timesteps: t, weights } = timestepSampler.sample(4, rng);
  const xt = diffusion.qSample(x0, t, noise);

  let losses: tf.Tensor1D | undefined; // per example and unweighted: what the timestep sampler learns from
  const { value, grads } = tf.variableGrads(() => {
    const { loss } = diffusion.trainingLosses({ modelOutput: tf.mul(scale, xt) as tf.Tensor4D, x0, xt, noise, t });
    losses = tf.keep(loss);
    // Weighting by 1/(T·p_t) keeps the batch loss an unbiased estimate of the uniform-t loss.
    return tf.mean(tf.mul(loss, weights)) as tf.Scalar;
  }, [scale]);
  timestepSampler.update(t, await losses!.data()); // p_t ∝ √E[L_t²] once every t has 10 losses

  const result = { timesteps: Array.from(t), loss: (await value.data())[0]!, gradient: (await grads[scale.name]!.data())[0]! };
  console.log(`t = ${result.timesteps.join(', ')}: loss ${result.loss.toFixed(4)}, d loss/d scale ${result.gradient.toFixed(4)}`);

  tf.dispose([scale, x0, noise, xt, value, grads, losses]);
  return result;
}
