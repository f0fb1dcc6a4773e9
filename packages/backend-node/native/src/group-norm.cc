#include "group-norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "parallel.h"

namespace cdm {

void group_norm(const GroupNormDims& d, const float* x, const float* gamma, const float* beta, double epsilon, float* y, float* mean, float* rstd,
                int threads) {
  const int64_t per_group = d.channels / d.groups, count = d.pixels * per_group;
  parallel_ranges(d.batch, threads, [&](int64_t n0, int64_t n1, int) {
    std::vector<double> channel_sum(d.channels), channel_mean(d.channels);
    std::vector<float> centre(d.channels), scale(d.channels);
    for (int64_t n = n0; n < n1; n++) {
      const float* xs = x + n * d.pixels * d.channels;
      float* ys = y + n * d.pixels * d.channels;
      // Pass 1: the mean of each group, then its variance about that mean (two passes: no cancellation).
      std::fill(channel_sum.begin(), channel_sum.end(), 0.0);
      for (int64_t p = 0; p < d.pixels; p++)
        for (int64_t c = 0; c < d.channels; c++) channel_sum[c] += xs[p * d.channels + c];
      std::vector<double> mu(d.groups, 0.0), var(d.groups, 0.0);
      for (int64_t c = 0; c < d.channels; c++) mu[c / per_group] += channel_sum[c];
      for (auto& m : mu) m /= static_cast<double>(count);
      for (int64_t c = 0; c < d.channels; c++) channel_mean[c] = mu[c / per_group];  // no division in the loop below
      std::fill(channel_sum.begin(), channel_sum.end(), 0.0);
      for (int64_t p = 0; p < d.pixels; p++)
        for (int64_t c = 0; c < d.channels; c++) {
          const double centred = xs[p * d.channels + c] - channel_mean[c];
          channel_sum[c] += centred * centred;
        }
      for (int64_t c = 0; c < d.channels; c++) var[c / per_group] += channel_sum[c];
      for (int64_t g = 0; g < d.groups; g++) {
        const double r = 1.0 / std::sqrt(var[g] / static_cast<double>(count) + epsilon);
        mean[n * d.groups + g] = static_cast<float>(mu[g]);
        rstd[n * d.groups + g] = static_cast<float>(r);
        for (int64_t c = g * per_group; c < (g + 1) * per_group; c++) {  // y = (x − centre)·scale + β per channel
          centre[c] = static_cast<float>(mu[g]);
          scale[c] = static_cast<float>(r * gamma[c]);
        }
      }
      // Pass 2: y.
      for (int64_t p = 0; p < d.pixels; p++)
        for (int64_t c = 0; c < d.channels; c++) ys[p * d.channels + c] = (xs[p * d.channels + c] - centre[c]) * scale[c] + beta[c];
    }
  });
}

// With x̂ = (x − μ)·r and M elements per group, dx̂ = dy·γ and
//   dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) = dy·(r·γ) + (x − μ)·q + k  per channel,
// where, from the channel sums s1 = Σ dy and s2 = Σ dy·x, A = Σ γ·s1 and B = r·Σ γ·(s2 − μ·s1) over
// the group's channels: q = −r²·B/M and k = −r·A/M. Also dβ = Σ s1 and dγ = Σ r·(s2 − μ·s1).
// (x − μ) is formed before scaling, so a mean far from zero costs no precision.
void group_norm_grad(const GroupNormDims& d, const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma, float* dx,
                     float* dgamma, float* dbeta, int threads) {
  const int64_t per_group = d.channels / d.groups;
  const double count = static_cast<double>(d.pixels * per_group);
  const int parts = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, d.batch)));
  std::vector<std::vector<double>> partial_gamma(parts, std::vector<double>(d.channels, 0.0)), partial_beta(parts, std::vector<double>(d.channels, 0.0));
  parallel_ranges(d.batch, parts, [&](int64_t n0, int64_t n1, int part) {
    std::vector<double> s1(d.channels), s2(d.channels);
    std::vector<float> centre(d.channels), p_coef(d.channels), q_coef(d.channels), k_coef(d.channels);
    for (int64_t n = n0; n < n1; n++) {
      const int64_t offset = n * d.pixels * d.channels;
      const float *dys = dy + offset, *xs = x + offset;
      std::fill(s1.begin(), s1.end(), 0.0);
      std::fill(s2.begin(), s2.end(), 0.0);
      for (int64_t p = 0; p < d.pixels; p++)
        for (int64_t c = 0; c < d.channels; c++) {
          const double g = dys[p * d.channels + c];
          s1[c] += g;
          s2[c] += g * xs[p * d.channels + c];
        }
      for (int64_t g = 0; g < d.groups; g++) {
        const double mu = mean[n * d.groups + g], r = rstd[n * d.groups + g];
        double a = 0.0, b = 0.0;
        for (int64_t c = g * per_group; c < (g + 1) * per_group; c++) {
          const double centred = s2[c] - mu * s1[c];  // Σ dy·(x − μ) over the channel
          a += gamma[c] * s1[c];
          b += gamma[c] * centred;
          partial_beta[part][c] += s1[c];
          partial_gamma[part][c] += r * centred;
        }
        b *= r;
        const double q = -r * r * b / count, k = -r * a / count;
        for (int64_t c = g * per_group; c < (g + 1) * per_group; c++) {
          centre[c] = static_cast<float>(mu);
          p_coef[c] = static_cast<float>(r * gamma[c]);
          q_coef[c] = static_cast<float>(q);
          k_coef[c] = static_cast<float>(k);
        }
      }
      float* dxs = dx + offset;
      for (int64_t p = 0; p < d.pixels; p++)
        for (int64_t c = 0; c < d.channels; c++) dxs[p * d.channels + c] =
              dys[p * d.channels + c] * p_coef[c] + (xs[p * d.channels + c] - centre[c]) * q_coef[c] + k_coef[c];
    }
  });
  for (int64_t c = 0; c < d.channels; c++) {
    double g = 0.0, b = 0.0;
    for (int part = 0; part < parts; part++) {
      g += partial_gamma[part][c];
      b += partial_beta[part][c];
    }
    dgamma[c] = static_cast<float>(g);
    dbeta[c] = static_cast<float>(b);
  }
}

}  // namespace cdm
