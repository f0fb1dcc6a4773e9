// One Adam update of a parameter and its two moments, element-wise, in place.
#pragma once
#include <cstdint>

namespace cdm {

// In double, as the caller computed them: 1 − β₂ is formed before rounding to float32 (rounding
// β₂ = 0.999 first would make 1 − β₂ wrong by 5e-5).
struct AdamCoefficients {
  double beta1, beta2, epsilon, step_size, second_correction;
};

// m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², param ← param − stepSize · m / (√v / secondCorrection + ε),
// reading param, m, v and g and writing param_out, m_out and v_out (which may alias the inputs).
void adam_update(const AdamCoefficients& c, const float* param, const float* m, const float* v, const float* g, float* param_out, float* m_out,
                 float* v_out, int64_t size, int threads);

}  // namespace cdm
