#include "batch-matmul.h"

#include <algorithm>

#include "gemm.h"
#include "parallel.h"

namespace cdm {

void batch_matmul(const float* a, const float* b, float* out, int64_t batch_a, int64_t batch_b, int64_t m, int64_t n, int64_t k,
                  bool transpose_a, bool transpose_b, int threads) {
  const int64_t batch = std::max(batch_a, batch_b);
  const int64_t step_a = batch_a == 1 ? 0 : m * k, step_b = batch_b == 1 ? 0 : k * n;
  const int64_t rsa = transpose_a ? 1 : k, csa = transpose_a ? m : 1;
  const int64_t rsb = transpose_b ? 1 : n, csb = transpose_b ? k : 1;
  const int parts = double(batch) * m * n * k < 2e6 ? 1 : threads;
  if (batch >= parts) {  // whole matrices per thread
    parallel_ranges(batch, parts, [&](int64_t b0, int64_t b1, int) {
      for (int64_t i = b0; i < b1; i++) sgemm(m, n, k, a + i * step_a, rsa, csa, b + i * step_b, rsb, csb, out + i * m * n, n, false);
    });
    return;
  }
  for (int64_t i = 0; i < batch; i++) {  // rows of each matrix per thread
    parallel_ranges(m, parts, [&](int64_t r0, int64_t r1, int) {
      sgemm(r1 - r0, n, k, a + i * step_a + r0 * rsa, rsa, csa, b + i * step_b, rsb, csb, out + (i * m + r0) * n, n, false);
    });
  }
}

}  // namespace cdm
