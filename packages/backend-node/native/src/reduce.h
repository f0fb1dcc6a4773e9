// Sums and means of a float32 tensor over any set of axes, without transposing it first.
#pragma once
#include <cstdint>
#include <vector>

namespace cdm {

// out = Σ (or mean, when `mean`) of x[shape] over the axes where reduced[d] is true; out holds the
// kept dimensions in order. Accumulates in double.
void reduce_sum(const float* x, const std::vector<int64_t>& shape, const std::vector<bool>& reduced, float* out, bool mean, int threads);

}  // namespace cdm
