// Concat and split along one axis, as row-wise block copies: with the tensors viewed as
// [rows, width], the whole has width Σ widths[i] and part i fills columns offset_i … offset_i + widths[i].
#pragma once
#include <cstdint>
#include <vector>

namespace cdm {

// Concat (to_whole) copies every part into the whole; split (!to_whole) copies the whole into every part.
void block_copy(const std::vector<float*>& parts, const std::vector<int64_t>& widths, float* whole, int64_t rows, bool to_whole, int threads);

}  // namespace cdm
