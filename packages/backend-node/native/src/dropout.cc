#include "dropout.h"

#include <cstring>

#include "parallel.h"

namespace cdm {

namespace {

constexpr int64_t kMinParallelElements = 1 << 16;
constexpr uint32_t kMultiplier0 = 0xD2511F53u, kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;

// One Philox4x32-10 block: the four words for counter c under key k.
inline void philox4x32_10(uint32_t c[4], uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kMultiplier0) * c[0];
    const uint64_t p1 = static_cast<uint64_t>(kMultiplier1) * c[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    const uint32_t c1 = c[1], c3 = c[3];
    c[0] = hi1 ^ c1 ^ k0;
    c[1] = lo1;
    c[2] = hi0 ^ c3 ^ k1;
    c[3] = lo0;
  }
}

// kLanes Philox blocks at once, one per lane: each word is a 32-bit value held in a 64-bit lane, so
// the 32×32→64 products are plain lane-wise multiplies (GCC vector extensions; AVX-512 does eight
// blocks per instruction). The same arithmetic as philox4x32_10, lane by lane.
constexpr int kLanes = 8;  // element_order below is written for eight
typedef uint64_t lanes __attribute__((vector_size(kLanes * 8)));

inline void philox4x32_10_lanes(lanes c[4], uint32_t k0, uint32_t k1) {
  const lanes low = (lanes){} + 0xFFFFFFFFu;
  for (int round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    const lanes p0 = c[0] * uint64_t{kMultiplier0};
    const lanes p1 = c[2] * uint64_t{kMultiplier1};
    const lanes c1 = c[1], c3 = c[3];
    c[0] = (p1 >> 32) ^ c1 ^ uint64_t{k0};
    c[1] = p1 & low;
    c[2] = (p0 >> 32) ^ c3 ^ uint64_t{k1};
    c[3] = p0 & low;
  }
}

// The kLanes blocks' 4·kLanes words in element order (block by block, word by word), as two vectors of
// 2·kLanes words: lanes 0…kLanes/2 − 1 first.
typedef uint32_t words16 __attribute__((vector_size(64)));
typedef int32_t mask16 __attribute__((vector_size(64)));
typedef float floats16 __attribute__((vector_size(64)));
typedef uint32_t words8 __attribute__((vector_size(32)));

inline void element_order(const lanes c[4], words16 out[2]) {
  const words8 w0 = __builtin_convertvector(c[0], words8), w1 = __builtin_convertvector(c[1], words8);
  const words8 w2 = __builtin_convertvector(c[2], words8), w3 = __builtin_convertvector(c[3], words8);
  // w01 = w0[0] w1[0] w0[1] w1[1] …, w23 likewise; then pairs of w01 and w23 alternate.
  const words16 w01 = __builtin_shufflevector(w0, w1, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  const words16 w23 = __builtin_shufflevector(w2, w3, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  out[0] = __builtin_shufflevector(w01, w23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
  out[1] = __builtin_shufflevector(w01, w23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

// y[i] = x[i]·(kept ? scale : 0) for the words of block b (n ≤ 4 of them: the last block may be short).
inline void apply_block(const float* x, float* y, int64_t b, int64_t n, const uint32_t words[4], uint32_t threshold, float scale) {
  const int64_t base = b * 4;
  for (int64_t j = 0; j < n; j++) y[base + j] = x[base + j] * ((words[j] >> 8) < threshold ? 0.0f : scale);
}

}  // namespace

void dropout(const float* x, float* y, int64_t size, uint32_t key0, uint32_t key1, uint32_t threshold, float scale, int threads) {
  const int64_t blocks = (size + 3) / 4;
  parallel_ranges(blocks, size < kMinParallelElements ? 1 : threads, [&](int64_t b0, int64_t b1, int) {
    int64_t b = b0;
    for (; b + kLanes <= b1; b += kLanes) {
      lanes c[4];
      for (int l = 0; l < kLanes; l++) {
        const uint64_t block = static_cast<uint64_t>(b + l);
        c[0][l] = block & 0xFFFFFFFFu;
        c[1][l] = block >> 32;
        c[2][l] = 0;
        c[3][l] = 0;
      }
      philox4x32_10_lanes(c, key0, key1);
      words16 words[2];
      element_order(c, words);
      const int64_t base = b * 4;
      if (base + 4 * kLanes <= size) {
        for (int half = 0; half < 2; half++) {
          floats16 v;
          std::memcpy(&v, x + base + 16 * half, sizeof v);
          const mask16 dropped = (words[half] >> 8) < threshold;
          v *= dropped ? (floats16){} : (floats16){} + scale;  // x·0, not 0: −0 and NaN as the scalar path gives them
          std::memcpy(y + base + 16 * half, &v, sizeof v);
        }
      } else {  // the array ends inside these blocks
        for (int l = 0; l < kLanes && base + 4 * l < size; l++) {
          const uint32_t block_words[4] = {words[l / 4][l % 4 * 4], words[l / 4][l % 4 * 4 + 1], words[l / 4][l % 4 * 4 + 2], words[l / 4][l % 4 * 4 + 3]};
          apply_block(x, y, b + l, size - (base + 4 * l) < 4 ? size - (base + 4 * l) : 4, block_words, threshold, scale);
        }
      }
    }
    for (; b < b1; b++) {
      uint32_t c[4] = {static_cast<uint32_t>(b), static_cast<uint32_t>(static_cast<uint64_t>(b) >> 32), 0, 0};
      philox4x32_10(c, key0, key1);
      apply_block(x, y, b, size - b * 4 < 4 ? size - b * 4 : 4, c, threshold, scale);
    }
  });
}

}  // namespace cdm
