#include "reduce.h"

#include <cstring>

#include "parallel.h"
#include "strided-dims.h"

namespace cdm {
namespace {

constexpr int64_t kMinParallelElements = 1 << 16;

}  // namespace

void reduce_sum(const float* x, const std::vector<int64_t>& shape, const std::vector<bool>& reduced, float* out, bool mean, int threads) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<int64_t> x_strides(rank), out_strides(rank, 0);
  int64_t x_step = 1, out_step = 1, count = 1;
  for (int64_t d = rank - 1; d >= 0; d--) {
    x_strides[d] = x_step;
    x_step *= shape[d];
    if (reduced[d]) {
      count *= shape[d];
    } else {
      out_strides[d] = out_step;
      out_step *= shape[d];
    }
  }
  const int64_t out_size = out_step;
  if (out_size == 0) return;
  if (x_step == 0) {  // nothing to sum: zeros (a mean of nothing is NaN, as in tfjs)
    for (int64_t i = 0; i < out_size; i++) out[i] = mean ? 0.0f / 0.0f : 0.0f;
    return;
  }
  const StridedDims dims = merge_dims(shape, {x_strides, out_strides});
  // Rows (all merged dimensions but the last two), each a block of `middle` runs of `inner`.
  const int64_t merged = static_cast<int64_t>(dims.size.size());
  const int64_t inner = dims.size[merged - 1], inner_out_stride = dims.stride[1][merged - 1];
  const int64_t middle = merged >= 2 ? dims.size[merged - 2] : 1;
  const int64_t mx = merged >= 2 ? dims.stride[0][merged - 2] : 0, mo = merged >= 2 ? dims.stride[1][merged - 2] : 0;
  int64_t rows = 1;
  for (int64_t d = 0; d + 2 < merged; d++) rows *= dims.size[d];
  const int parts = rows * middle * inner < kMinParallelElements ? 1 : threads;
  // Each thread sums into its own double buffer; the buffers are added at the end.
  std::vector<std::vector<double>> partial(parts);
  const auto block = [&](double* acc, int64_t r, int64_t j0, int64_t j1) {
    int64_t ox = j0 * mx, oo = j0 * mo, rest = r;
    for (int64_t d = merged - 3; d >= 0; d--) {
      const int64_t i = rest % dims.size[d];
      rest /= dims.size[d];
      ox += i * dims.stride[0][d];
      oo += i * dims.stride[1][d];
    }
    for (int64_t j = j0; j < j1; j++, ox += mx, oo += mo) {
      const float* src = x + ox;
      double* dst = acc + oo;
      if (inner_out_stride == 0) {  // the run is summed into one output
        double s = 0.0;
        for (int64_t i = 0; i < inner; i++) s += src[i];
        *dst += s;
      } else {  // the run is kept: added element by element
        for (int64_t i = 0; i < inner; i++) dst[i] += src[i];
      }
    }
  };
  if (rows >= parts) {
    parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int part) {
      partial[part].assign(out_size, 0.0);
      for (int64_t r = r0; r < r1; r++) block(partial[part].data(), r, 0, middle);
    });
  } else {  // too few rows to share: split the middle dimension instead
    parallel_ranges(middle, parts, [&](int64_t j0, int64_t j1, int part) {
      partial[part].assign(out_size, 0.0);
      for (int64_t r = 0; r < rows; r++) block(partial[part].data(), r, j0, j1);
    });
  }
  const double scale = mean ? 1.0 / static_cast<double>(count) : 1.0;
  for (int64_t i = 0; i < out_size; i++) {
    double s = 0.0;
    for (const auto& p : partial) s += p.empty() ? 0.0 : p[i];
    out[i] = static_cast<float>(s * scale);
  }
}

}  // namespace cdm
