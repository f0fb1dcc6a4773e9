#include "elementwise.h"

#include "parallel.h"
#include "strided-dims.h"

namespace cdm {
namespace {

// Below this many elements the work stays on the calling thread. These loops are bound by memory
// bandwidth, not arithmetic: issue 25 measured a second thread helping only above ~500 000
// elements on the 2-core machine (the threshold was 65 536). Thread count never changes results.
constexpr int64_t kMinParallelElements = 1 << 19;

template <BinaryOp op>
inline float apply(float x, float y) {
  if constexpr (op == BinaryOp::kAdd) return x + y;
  if constexpr (op == BinaryOp::kSub) return x - y;
  if constexpr (op == BinaryOp::kMul) return x * y;
  if constexpr (op == BinaryOp::kDiv) return x / y;
  const float d = x - y;
  return d * d;
}

// One innermost run of n elements; the four stride cases are written out so each vectorises.
template <BinaryOp op>
inline void run(const float* __restrict a, int64_t sa, const float* __restrict b, int64_t sb, float* __restrict out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float y = *b;
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i], y);
  } else if (sa == 0 && sb == 1) {
    const float x = *a;
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; i++) out[i] = apply<op>(a[i * sa], b[i * sb]);
  }
}

// Walks the merged dimensions as rows (all but the last two), each a block of `middle` runs of
// `inner` elements: short runs (a broadcast per group of two channels, say) then cost a pointer
// increment each rather than an index decomposition.
template <BinaryOp op>
void binary(const float* a, const float* b, float* out, const StridedDims& dims, int threads) {
  const int64_t rank = static_cast<int64_t>(dims.size.size());
  const int64_t inner = dims.size[rank - 1];
  const int64_t middle = rank >= 2 ? dims.size[rank - 2] : 1;
  const int64_t ma = rank >= 2 ? dims.stride[0][rank - 2] : 0, mb = rank >= 2 ? dims.stride[1][rank - 2] : 0, mo = rank >= 2 ? dims.stride[2][rank - 2] : 0;
  int64_t rows = 1;
  for (int64_t d = 0; d + 2 < rank; d++) rows *= dims.size[d];
  const int parts = rows * middle * inner < kMinParallelElements ? 1 : threads;
  // Runs j0 ≤ j < j1 of row r.
  const auto block = [&](int64_t r, int64_t j0, int64_t j1) {
    int64_t oa = j0 * ma, ob = j0 * mb, oo = j0 * mo, rest = r;  // offsets, from r's index in the outer dimensions
    for (int64_t d = rank - 3; d >= 0; d--) {
      const int64_t i = rest % dims.size[d];
      rest /= dims.size[d];
      oa += i * dims.stride[0][d];
      ob += i * dims.stride[1][d];
      oo += i * dims.stride[2][d];
    }
    for (int64_t j = j0; j < j1; j++, oa += ma, ob += mb, oo += mo) run<op>(a + oa, dims.stride[0][rank - 1], b + ob, dims.stride[1][rank - 1], out + oo, inner);
  };
  if (rows >= parts) {
    parallel_ranges(rows, parts, [&](int64_t r0, int64_t r1, int) {
      for (int64_t r = r0; r < r1; r++) block(r, 0, middle);
    });
  } else {  // too few rows to share: split the middle dimension instead
    parallel_ranges(middle, parts, [&](int64_t j0, int64_t j1, int) {
      for (int64_t r = 0; r < rows; r++) block(r, j0, j1);
    });
  }
}

}  // namespace

void broadcast_binary(BinaryOp op, const float* a, const std::vector<int64_t>& a_shape, const float* b, const std::vector<int64_t>& b_shape, float* out,
                      const std::vector<int64_t>& out_shape, int threads) {
  std::vector<int64_t> out_strides(out_shape.size());
  int64_t step = 1;
  for (int64_t d = static_cast<int64_t>(out_shape.size()) - 1; d >= 0; d--) {
    out_strides[d] = step;
    step *= out_shape[d];
  }
  if (step == 0) return;
  const StridedDims dims = merge_dims(out_shape, {broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape), out_strides});
  switch (op) {
    case BinaryOp::kAdd: return binary<BinaryOp::kAdd>(a, b, out, dims, threads);
    case BinaryOp::kSub: return binary<BinaryOp::kSub>(a, b, out, dims, threads);
    case BinaryOp::kMul: return binary<BinaryOp::kMul>(a, b, out, dims, threads);
    case BinaryOp::kDiv: return binary<BinaryOp::kDiv>(a, b, out, dims, threads);
    case BinaryOp::kSquaredDifference: return binary<BinaryOp::kSquaredDifference>(a, b, out, dims, threads);
  }
}

}  // namespace cdm
