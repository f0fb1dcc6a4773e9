/**
 * The normalised 1-D Gaussian kernel of odd length `size`: w_i ∝ exp(−i²/(2σ²)) for
 * i = −(size−1)/2 … (size−1)/2, summing to 1, computed in float64. σ = 0 gives the identity (a
 * delta). The 2-D Gaussian is separable, so its kernel is the outer product of two of these.
 */
export function gaussianKernel1d(sigma: number, size: number): Float64Array {
  const radius = (size - 1) / 2;
  const weights = new Float64Array(size);
  if (sigma === 0) {
    weights[radius] = 1;
    return weights;
  }
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = i - radius;
    weights[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    total += weights[i]!;
  }
  for (let i = 0; i < size; i++) weights[i] = weights[i]! / total;
  return weights;
}
