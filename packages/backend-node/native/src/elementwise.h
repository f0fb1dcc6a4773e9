// Element-wise arithmetic on two float32 operands with NumPy broadcasting.
#pragma once
#include <cstdint>
#include <vector>

namespace cdm {

enum class BinaryOp { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kSquaredDifference = 4 };

// out[out_shape] = a op b, where a_shape and b_shape broadcast to out_shape.
void broadcast_binary(BinaryOp op, const float* a, const std::vector<int64_t>& a_shape, const float* b, const std::vector<int64_t>& b_shape, float* out,
                      const std::vector<int64_t>& out_shape, int threads);

}  // namespace cdm
