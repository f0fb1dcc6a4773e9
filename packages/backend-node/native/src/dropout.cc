#include "dropout.h"

#include "parallel.h"

namespace cdm {

namespace {

constexpr int64_t kMinParallelElements = 1 << 16;

// One Philox4x32-10 block: the four words for counter c under key k.
inline void philox4x32_10(uint32_t c[4], uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    const uint32_t c1 = c[1], c3 = c[3];
    c[0] = hi1 ^ c1 ^ k0;
    c[1] = lo1;
    c[2] = hi0 ^ c3 ^ k1;
    c[3] = lo0;
  }
}

}  // namespace

void dropout(const float* x, float* y, int64_t size, uint32_t key0, uint32_t key1, uint32_t threshold, float scale, int threads) {
  const int64_t blocks = (size + 3) / 4;
  parallel_ranges(blocks, size < kMinParallelElements ? 1 : threads, [&](int64_t b0, int64_t b1, int) {
    for (int64_t b = b0; b < b1; b++) {
      uint32_t c[4] = {static_cast<uint32_t>(b), static_cast<uint32_t>(static_cast<uint64_t>(b) >> 32), 0, 0};
      philox4x32_10(c, key0, key1);
      const int64_t base = b * 4;
      const int64_t n = size - base < 4 ? size - base : 4;
      for (int64_t j = 0; j < n; j++) y[base + j] = x[base + j] * ((c[j] >> 8) < threshold ? 0.0f : scale);
    }
  });
}

}  // namespace cdm
