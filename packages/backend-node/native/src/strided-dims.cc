#include "strided-dims.h"

namespace cdm {

StridedDims merge_dims(const std::vector<int64_t>& size, const std::vector<std::vector<int64_t>>& strides) {
  StridedDims out;
  const size_t operands = strides.size();
  for (size_t d = 0; d < size.size(); d++) {
    if (size[d] == 1) continue;
    bool mergeable = !out.size.empty();
    for (size_t o = 0; o < operands && mergeable; o++) mergeable = out.stride[o].back() == strides[o][d] * size[d];
    if (mergeable) {
      out.size.back() *= size[d];
      for (size_t o = 0; o < operands; o++) out.stride[o].back() = strides[o][d];
    } else {
      out.size.push_back(size[d]);
      for (size_t o = 0; o < operands; o++) out.stride[o].push_back(strides[o][d]);
    }
  }
  if (out.size.empty()) {
    out.size.push_back(1);
    for (size_t o = 0; o < operands; o++) out.stride[o].push_back(0);
  }
  return out;
}

std::vector<int64_t> broadcast_strides(const std::vector<int64_t>& shape, const std::vector<int64_t>& out_shape) {
  std::vector<int64_t> strides(out_shape.size(), 0);
  int64_t step = 1;
  for (int64_t d = static_cast<int64_t>(out_shape.size()) - 1, s = static_cast<int64_t>(shape.size()) - 1; d >= 0; d--, s--) {
    if (s < 0) break;
    strides[d] = shape[s] == 1 && out_shape[d] != 1 ? 0 : step;
    step *= shape[s];
  }
  return strides;
}

}  // namespace cdm
