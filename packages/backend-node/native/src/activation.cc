#include "activation.h"

#include <cstring>

#include "parallel.h"

namespace cdm {

namespace {

constexpr int64_t kMinParallelElements = 1 << 16;

// e^x for float32, written without branches or library calls so the loops below vectorise: x is
// clamped to [−87.3, 88.3] (so 2^n stays a normal float), split as n·ln 2 + r with
// |r| ≤ ln 2 / 2 (ln 2 in two parts so r is exact), e^r ≈ 1 + r + r²·P(r) with Cephes' degree-5
// minimax P (relative error about 1e-7), and 2^n is put into the exponent bits.
inline float exp_approx(float x) {
  x = x < -87.3f ? -87.3f : (x > 88.3f ? 88.3f : x);
  const float shifter = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + shifter) - shifter;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = 1.0f + r + r * r * p;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return er * scale;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp_approx(-x)); }

template <typename Body>
void for_chunks(int64_t size, int threads, Body body) {
  parallel_ranges(size, size < kMinParallelElements ? 1 : threads, [&](int64_t i0, int64_t i1, int) { body(i0, i1); });
}

}  // namespace

void silu(const float* x, float* y, int64_t size, int threads) {
  for_chunks(size, threads, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) y[i] = x[i] * sigmoid(x[i]);
  });
}

void silu_grad(const float* dy, const float* x, float* dx, int64_t size, int threads) {
  for_chunks(size, threads, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float s = sigmoid(x[i]);
      dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
    }
  });
}

}  // namespace cdm
