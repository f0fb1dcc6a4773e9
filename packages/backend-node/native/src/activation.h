// SiLU (x·σ(x), the "swish" of the ADM U-Net) and its gradient, element-wise, with a vectorisable
// exp: float32 to a few units in the last place.
#pragma once
#include <cstdint>

namespace cdm {

// y = x · σ(x) = x / (1 + e^(−x)).
void silu(const float* x, float* y, int64_t size, int threads);

// dx = dy · σ(x) · (1 + x · (1 − σ(x))), the derivative of x · σ(x).
void silu_grad(const float* dy, const float* x, float* dx, int64_t size, int threads);

}  // namespace cdm
