// GroupNorm (Wu & He 2018) over channels-last features and its gradient, each in two passes over
// the data, with statistics accumulated in double.
#pragma once
#include <cstdint>

namespace cdm {

struct GroupNormDims {
  int64_t batch, pixels, channels, groups;  // x is [batch, pixels, channels]; channels % groups == 0
};

// y = (x − μ) · rstd · γ + β per group of channels per example; also writes μ and rstd = 1/√(σ² + ε)
// as [batch, groups] (σ² the biased variance).
void group_norm(const GroupNormDims& d, const float* x, const float* gamma, const float* beta, double epsilon, float* y, float* mean, float* rstd,
                int threads);

// dx, dγ, dβ from dy and what the forward pass saved (x, μ, rstd, γ).
void group_norm_grad(const GroupNormDims& d, const float* dy, const float* x, const float* mean, const float* rstd, const float* gamma, float* dx,
                     float* dgamma, float* dbeta, int threads);

}  // namespace cdm
