// Batched matrix multiply with optional transposes and a broadcast batch dimension (tfjs' BatchMatMul).
#pragma once
#include <cstdint>

namespace cdm {

// out[b] = op(a[b]) · op(b[b]) for b < max(batch_a, batch_b); a batch of 1 is broadcast. a[b] is
// [m, k] ([k, m] when transpose_a), b[b] is [k, n] ([n, k] when transpose_b), out[b] is [m, n].
void batch_matmul(const float* a, const float* b, float* out, int64_t batch_a, int64_t batch_b, int64_t m, int64_t n, int64_t k,
                  bool transpose_a, bool transpose_b, int threads);

}  // namespace cdm
