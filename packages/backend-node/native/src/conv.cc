#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "parallel.h"
#include "strided-input-grad.h"
#include "winograd.h"
#include "workspace.h"

namespace cdm {
namespace {

// Rows of patches gathered per sgemm call: a multiple of every micro-kernel height, small enough
// for the patch matrix of a 3×3×128 convolution (1152 columns) to stay in L2.
constexpr int64_t kChunkRows = 192;
// Below this many multiply-adds a convolution runs on one thread: starting threads would cost more.
constexpr double kMinParallelMacs = 2e6;

int threads_for(double macs, int threads) { return macs < kMinParallelMacs ? 1 : threads; }

bool is_pointwise(const ConvGeometry& g) {
  return g.k_h == 1 && g.k_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 && g.out_h == g.in_h &&
         g.out_w == g.in_w;
}

// col[r − r0, (a, b, c)] = x[n, oy·sh − pt + a·dh, ox·sw − pl + b·dw, c] (zero outside the image)
// for output pixels r = (n, oy, ox) in [r0, r1).
void gather_patches(const ConvGeometry& g, const float* x, int64_t r0, int64_t r1, float* col) {
  const int64_t row_len = g.k_h * g.k_w * g.in_c;
  const int64_t tap_bytes = g.in_c * sizeof(float);
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / (g.out_h * g.out_w), oy = r / g.out_w % g.out_h, ox = r % g.out_w;
    float* dst = col + (r - r0) * row_len;
    for (int64_t a = 0; a < g.k_h; a++) {
      const int64_t iy = oy * g.stride_h - g.pad_top + a * g.dil_h;
      if (iy < 0 || iy >= g.in_h) {
        std::memset(dst, 0, g.k_w * tap_bytes);
        dst += g.k_w * g.in_c;
        continue;
      }
      for (int64_t b = 0; b < g.k_w; b++, dst += g.in_c) {
        const int64_t ix = ox * g.stride_w - g.pad_left + b * g.dil_w;
        if (ix < 0 || ix >= g.in_w) std::memset(dst, 0, tap_bytes);
        else std::memcpy(dst, x + ((n * g.in_h + iy) * g.in_w + ix) * g.in_c, tap_bytes);
      }
    }
  }
}

// The transposed gather: for input pixels r = (n, iy, ix) in [r0, r1), col[r − r0, (a, b, c)] is
// dy[n, oy, ox, c] for the output pixel whose tap (a, b) reads (iy, ix), zero where there is none.
void gather_output_taps(const ConvGeometry& g, const float* dy, int64_t r0, int64_t r1, float* col) {
  const int64_t row_len = g.k_h * g.k_w * g.out_c;
  const int64_t tap_bytes = g.out_c * sizeof(float);
  for (int64_t r = r0; r < r1; r++) {
    const int64_t n = r / (g.in_h * g.in_w), iy = r / g.in_w % g.in_h, ix = r % g.in_w;
    float* dst = col + (r - r0) * row_len;
    for (int64_t a = 0; a < g.k_h; a++) {
      const int64_t ty = iy + g.pad_top - a * g.dil_h;
      const int64_t oy = ty / g.stride_h;
      if (ty < 0 || ty % g.stride_h != 0 || oy >= g.out_h) {
        std::memset(dst, 0, g.k_w * tap_bytes);
        dst += g.k_w * g.out_c;
        continue;
      }
      for (int64_t b = 0; b < g.k_w; b++, dst += g.out_c) {
        const int64_t tx = ix + g.pad_left - b * g.dil_w;
        const int64_t ox = tx / g.stride_w;
        if (tx < 0 || tx % g.stride_w != 0 || ox >= g.out_w) std::memset(dst, 0, tap_bytes);
        else std::memcpy(dst, dy + ((n * g.out_h + oy) * g.out_w + ox) * g.out_c, tap_bytes);
      }
    }
  }
}

// The bias epilogue: y[r, o] += bias[o] for rows [r0, r1) (nothing when bias is null).
void add_bias(const float* bias, int64_t channels, int64_t r0, int64_t r1, float* y) {
  if (bias == nullptr) return;
  for (int64_t r = r0; r < r1; r++) {
    float* row = y + r * channels;
    for (int64_t o = 0; o < channels; o++) row[o] += bias[o];
  }
}

}  // namespace

void conv2d(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y, int threads) {
  const int64_t rows = g.batch * g.out_h * g.out_w, depth = g.k_h * g.k_w * g.in_c;
  const int parts = threads_for(double(rows) * depth * g.out_c, threads);
  if (is_pointwise(g)) {
    parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int) {
      sgemm(r1 - r0, g.out_c, depth, x + r0 * g.in_c, g.in_c, 1, w, g.out_c, 1, y + r0 * g.out_c, g.out_c, false);
      add_bias(bias, g.out_c, r0, r1, y);
    });
    return;
  }
  if (winograd_applies(g)) return conv2d_winograd(g, x, w, bias, y, threads);
  // Packed once, shared by every chunk and thread.
  const PackedB filter(depth, g.out_c, w, g.out_c, 1, workspace(Slot::kPackedFilter, PackedB::storage_floats(depth, g.out_c)));
  parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int) {
    float* col = workspace(Slot::kTilesIn, kChunkRows * depth);
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
      const int64_t c1 = std::min(r1, c0 + kChunkRows);
      gather_patches(g, x, c0, c1, col);
      sgemm_packed(c1 - c0, col, depth, 1, filter, y + c0 * g.out_c, g.out_c, false);
      add_bias(bias, g.out_c, c0, c1, y);
    }
  });
}

void conv2d_backprop_input(const ConvGeometry& g, const float* dy, const float* w, float* dx, int threads) {
  const int64_t rows = g.batch * g.in_h * g.in_w, depth = g.k_h * g.k_w * g.out_c;
  const int parts = threads_for(double(rows) * depth * g.in_c, threads);
  if (is_pointwise(g)) {  // dx = dy · wᵀ, read transposed in place
    parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int) {
      sgemm(r1 - r0, g.in_c, g.out_c, dy + r0 * g.out_c, g.out_c, 1, w, 1, g.out_c, dx + r0 * g.in_c, g.in_c, false);
    });
    return;
  }
  if (g.stride_h > 1 || g.stride_w > 1) return conv2d_backprop_input_strided(g, dy, w, dx, threads);  // skips the zero taps
  // Stride 1: dx is the convolution of dy with the filter rotated by 180° and its channels swapped,
  // padded by k − 1 − pad: Winograd's, where it applies.
  const ConvGeometry transposed{g.batch, g.out_h, g.out_w, g.out_c, g.in_h, g.in_w, g.in_c, g.k_h, g.k_w, 1, 1, g.k_h - 1 - g.pad_top, g.k_w - 1 - g.pad_left,
                                g.dil_h, g.dil_w};
  if (winograd_applies(transposed)) {
    float* rotated = workspace(Slot::kRotatedFilter, g.k_h * g.k_w * g.in_c * g.out_c);
    for (int64_t a = 0; a < g.k_h; a++)
      for (int64_t b = 0; b < g.k_w; b++)
        for (int64_t i = 0; i < g.in_c; i++)
          for (int64_t o = 0; o < g.out_c; o++)
            rotated[(((g.k_h - 1 - a) * g.k_w + (g.k_w - 1 - b)) * g.out_c + o) * g.in_c + i] = w[((a * g.k_w + b) * g.in_c + i) * g.out_c + o];
    return conv2d_winograd(transposed, dy, rotated, nullptr, dx, threads);
  }
  // wt[(a, b, c_out), c_in] = w[a, b, c_in, c_out]: the filter as the gathered taps multiply it.
  float* wt = workspace(Slot::kFilter, depth * g.in_c);
  for (int64_t tap = 0; tap < g.k_h * g.k_w; tap++)
    for (int64_t i = 0; i < g.in_c; i++)
      for (int64_t o = 0; o < g.out_c; o++) wt[(tap * g.out_c + o) * g.in_c + i] = w[(tap * g.in_c + i) * g.out_c + o];
  // Packed once, shared by every chunk and thread.
  const PackedB filter(depth, g.in_c, wt, g.in_c, 1, workspace(Slot::kPackedFilter, PackedB::storage_floats(depth, g.in_c)));
  parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int) {
    float* col = workspace(Slot::kTilesIn, kChunkRows * depth);
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
      const int64_t c1 = std::min(r1, c0 + kChunkRows);
      gather_output_taps(g, dy, c0, c1, col);
      sgemm_packed(c1 - c0, col, depth, 1, filter, dx + c0 * g.in_c, g.in_c, false);
    }
  });
}

void conv2d_backprop_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw, int threads) {
  const int64_t rows = g.batch * g.out_h * g.out_w, depth = g.k_h * g.k_w * g.in_c, size = depth * g.out_c;
  if (winograd_filter_gradient_applies(g)) return conv2d_backprop_filter_winograd(g, x, dy, dw, threads);
  const int parts = threads_for(double(rows) * depth * g.out_c, threads);
  // Each thread sums its rows' contribution into its own buffer (the first into dw); added at the end.
  std::vector<float*> partial(parts, nullptr);  // null where parallel_ranges ran fewer parts (fewer rows than threads)
  parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int part) {
    float* out = part > 0 ? zeroed_workspace(Slot::kSums, size) : dw;
    if (part == 0) std::memset(dw, 0, size * sizeof(float));
    partial[part] = out;
    if (is_pointwise(g)) {  // dw = xᵀ · dy over these rows
      sgemm(depth, g.out_c, r1 - r0, x + r0 * g.in_c, 1, g.in_c, dy + r0 * g.out_c, g.out_c, 1, out, g.out_c, true);
      return;
    }
    float* col = workspace(Slot::kTilesIn, kChunkRows * depth);
    for (int64_t c0 = r0; c0 < r1; c0 += kChunkRows) {
      const int64_t c1 = std::min(r1, c0 + kChunkRows);
      gather_patches(g, x, c0, c1, col);
      sgemm(depth, g.out_c, c1 - c0, col, 1, depth, dy + c0 * g.out_c, g.out_c, 1, out, g.out_c, true);
    }
  });
  for (int part = 1; part < parts; part++)
    if (partial[part] != nullptr)
      for (int64_t i = 0; i < size; i++) dw[i] += partial[part][i];
}

}  // namespace cdm
