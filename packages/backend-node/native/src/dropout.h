// Inverted dropout with a counter-based mask (Philox4x32-10, Salmon et al. 2011): element i is
// dropped when the top 24 bits of word i mod 4 of philox([i/4 mod 2^32, i/2^34, 0, 0], key) are
// below `threshold`, else multiplied by `scale`. The mask is never stored: the backward pass is
// the same function of dy. @cdm/core's dropoutMask is the reference.
#pragma once
#include <cstdint>

namespace cdm {

// y[i] = dropped(i) ? x[i]·0 : x[i]·scale.
void dropout(const float* x, float* y, int64_t size, uint32_t key0, uint32_t key1, uint32_t threshold, float scale, int threads);

}  // namespace cdm
