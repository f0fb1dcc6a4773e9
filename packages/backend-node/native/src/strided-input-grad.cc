#include "strided-input-grad.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "parallel.h"
#include "workspace.h"

namespace cdm {
namespace {

constexpr int64_t kChunkRows = 192;
constexpr double kMinParallelMacs = 2e6;

int64_t modulo(int64_t v, int64_t m) { return ((v % m) + m) % m; }

// The taps of one axis that reach pixels of residue class `cls`: a·dil ≡ cls (mod stride).
std::vector<int64_t> taps_of_class(int64_t kernel, int64_t dil, int64_t stride, int64_t cls) {
  std::vector<int64_t> taps;
  for (int64_t a = 0; a < kernel; a++)
    if (modulo(a * dil, stride) == cls) taps.push_back(a);
  return taps;
}

}  // namespace

void conv2d_backprop_input_strided(const ConvGeometry& g, const float* dy, const float* w, float* dx, int threads) {
  for (int64_t cy = 0; cy < g.stride_h; cy++) {
    for (int64_t cx = 0; cx < g.stride_w; cx++) {
      const std::vector<int64_t> ta = taps_of_class(g.k_h, g.dil_h, g.stride_h, cy), tb = taps_of_class(g.k_w, g.dil_w, g.stride_w, cx);
      // The pixels of this class, as (n, iy, ix) row indices of dx.
      std::vector<int64_t> rows;
      for (int64_t n = 0; n < g.batch; n++)
        for (int64_t iy = 0; iy < g.in_h; iy++) {
          if (modulo(iy + g.pad_top, g.stride_h) != cy) continue;
          for (int64_t ix = 0; ix < g.in_w; ix++)
            if (modulo(ix + g.pad_left, g.stride_w) == cx) rows.push_back((n * g.in_h + iy) * g.in_w + ix);
        }
      if (rows.empty()) continue;
      const int64_t depth = int64_t(ta.size() * tb.size()) * g.out_c;
      if (depth == 0) {  // no tap reaches these pixels: their gradient is zero
        for (int64_t r : rows) std::memset(dx + r * g.in_c, 0, g.in_c * sizeof(float));
        continue;
      }
      // wt[(a, b, c_out), c_in] = w[a, b, c_in, c_out] over this class's taps.
      float* wt = workspace(Slot::kFilter, depth * g.in_c);
      float* dst = wt;
      for (int64_t a : ta)
        for (int64_t b : tb)
          for (int64_t o = 0; o < g.out_c; o++, dst += g.in_c)
            for (int64_t i = 0; i < g.in_c; i++) dst[i] = w[((a * g.k_w + b) * g.in_c + i) * g.out_c + o];
      const PackedB filter(depth, g.in_c, wt, g.in_c, 1, workspace(Slot::kPackedFilter, PackedB::storage_floats(depth, g.in_c)));
      const int64_t count = static_cast<int64_t>(rows.size());
      const int parts = double(count) * depth * g.in_c < kMinParallelMacs ? 1 : threads;
      const int64_t tap_bytes = g.out_c * sizeof(float);
      parallel_ranges(count, parts, [&](int64_t r0, int64_t r1, int) {
        float* col = workspace(Slot::kTilesIn, kChunkRows * depth);
        float* out = workspace(Slot::kTilesOut, kChunkRows * g.in_c);
        for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
          const int64_t c1 = std::min(r1, c0 + kChunkRows);
          for (int64_t k = c0; k < c1; k++) {  // gather dy at the output pixels this class's taps read
            const int64_t r = rows[k], n = r / (g.in_h * g.in_w), iy = r / g.in_w % g.in_h, ix = r % g.in_w;
            float* d = col + (k - c0) * depth;
            for (int64_t a : ta) {
              const int64_t ty = iy + g.pad_top - a * g.dil_h, oy = ty / g.stride_h;
              const bool row_ok = ty >= 0 && oy < g.out_h;
              for (int64_t b : tb) {
                const int64_t tx = ix + g.pad_left - b * g.dil_w, ox = tx / g.stride_w;
                if (row_ok && tx >= 0 && ox < g.out_w) std::memcpy(d, dy + ((n * g.out_h + oy) * g.out_w + ox) * g.out_c, tap_bytes);
                else std::memset(d, 0, tap_bytes);
                d += g.out_c;
              }
            }
          }
          sgemm_packed(c1 - c0, col, depth, 1, filter, out, g.in_c, false);
          for (int64_t k = c0; k < c1; k++) std::memcpy(dx + rows[k] * g.in_c, out + (k - c0) * g.in_c, g.in_c * sizeof(float));
        }
      });
    }
  }
}

}  // namespace cdm
