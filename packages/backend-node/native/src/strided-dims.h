// Shapes walked as nests of loops over two or three strided operands, with neighbouring
// dimensions merged where every operand steps through them the same way, so that the innermost
// loop is as long as possible.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cdm {

constexpr int kMaxOperands = 3;

struct StridedDims {
  std::vector<int64_t> size;                       // per merged dimension, outermost first
  std::vector<int64_t> stride[kMaxOperands];       // element strides per operand, 0 where broadcast
};

// Merges dimension d into d − 1 wherever, for every operand, stride[d − 1] == stride[d] · size[d];
// drops size-1 dimensions. Always leaves at least one dimension.
StridedDims merge_dims(const std::vector<int64_t>& size, const std::vector<std::vector<int64_t>>& strides);

// Row-major strides of `shape`, with 0 where `shape` is 1 and `out_shape` is not (broadcast);
// `shape` is right-aligned against `out_shape`.
std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out_shape);

}  // namespace cdm
