#include "block-copy.h"

#include <cstring>

#include "parallel.h"

namespace cdm {

namespace {
// Below this many elements the work stays on the calling thread. These loops are bound by memory
// bandwidth, not arithmetic: issue 25 measured a second thread helping only above ~500 000
// elements on the 2-core machine (the threshold was 65 536). Thread count never changes results.
constexpr int64_t kMinParallelElements = 1 << 19;
}

void block_copy(const std::vector<float*>& parts, const std::vector<int64_t>& widths, float* whole, int64_t rows, bool to_whole, int threads) {
  int64_t total = 0;
  std::vector<int64_t> offsets(widths.size());
  for (size_t i = 0; i < widths.size(); i++) {
    offsets[i] = total;
    total += widths[i];
  }
  const int parts_used = rows * total < kMinParallelElements ? 1 : threads;
  parallel_ranges(rows, parts_used, [&](int64_t r0, int64_t r1, int) {
    for (int64_t r = r0; r < r1; r++) {
      float* row = whole + r * total;
      for (size_t i = 0; i < parts.size(); i++) {
        if (widths[i] == 0) continue;
        float* part = parts[i] + r * widths[i];
        const size_t bytes = static_cast<size_t>(widths[i]) * sizeof(float);
        if (to_whole)
          std::memcpy(row + offsets[i], part, bytes);
        else
          std::memcpy(part, row + offsets[i], bytes);
      }
    }
  });
}

}  // namespace cdm
