#include "adam.h"

#include <cmath>

#include "parallel.h"

namespace cdm {

namespace {
constexpr int64_t kMinParallelElements = 1 << 16;
}

void adam_update(const AdamCoefficients& c, const float* param, const float* m, const float* v, const float* g, float* param_out, float* m_out,
                 float* v_out, int64_t size, int threads) {
  const float beta1 = static_cast<float>(c.beta1), beta2 = static_cast<float>(c.beta2);
  const float one_minus_beta1 = static_cast<float>(1.0 - c.beta1), one_minus_beta2 = static_cast<float>(1.0 - c.beta2);
  const float epsilon = static_cast<float>(c.epsilon), step_size = static_cast<float>(c.step_size);
  const float second_correction = static_cast<float>(c.second_correction);
  parallel_ranges(size, size < kMinParallelElements ? 1 : threads, [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; i++) {
      const float grad = g[i];
      const float next_m = m[i] * beta1 + grad * one_minus_beta1;
      const float next_v = v[i] * beta2 + (grad * grad) * one_minus_beta2;
      const float denominator = std::sqrt(next_v) / second_correction + epsilon;
      param_out[i] = param[i] - (next_m / denominator) * step_size;
      m_out[i] = next_m;
      v_out[i] = next_v;
    }
  });
}

}  // namespace cdm
