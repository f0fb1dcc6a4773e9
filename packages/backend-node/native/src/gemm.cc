// Packed SGEMM: B is packed into KC×NR column panels, and a register-blocked MR×NR micro-kernel (GCC
// vector extensions, FMA under -march=native) accumulates each tile over one KC slice. A is read in
// place where it is row- or column-major (one stride is 1: every gathered patch matrix and every
// tensor), since its MR rows of a KC slice stay in L1 while the kernel walks them; copying it into
// MR-row panels first cost a quarter of a 64-channel convolution. Only an A with two strides is
// packed. A short last row panel runs a kernel compiled for its row count; B's panels are
// zero-padded, so a short last column panel runs the full width and is copied out partially.
#include "gemm.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

namespace cdm {
namespace {

#if defined(__AVX512F__)
constexpr int VW = 16, MR = 12;  // 24 zmm accumulators, 2 for B, 1 broadcast
constexpr const char* ISA = "avx512";
#elif defined(__AVX2__) || defined(__AVX__)
constexpr int VW = 8, MR = 6;  // 12 ymm accumulators
constexpr const char* ISA = "avx2";
#else
constexpr int VW = 4, MR = 4;
constexpr const char* ISA = "sse/neon";
#endif
constexpr int NR = 2 * VW;
constexpr int64_t KC = 256, MC = 96, NC = 2048;

typedef float vf __attribute__((vector_size(VW * 4)));
typedef float vfu __attribute__((vector_size(VW * 4), aligned(4)));  // for unaligned C rows

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};

// Per-thread packing buffers, allocated on first use and freed when the thread ends.
float* scratch(int which, size_t floats) {
  thread_local std::unique_ptr<float, FreeDeleter> buffers[2];
  if (!buffers[which]) buffers[which].reset(static_cast<float*>(std::aligned_alloc(64, floats * sizeof(float))));
  return buffers[which].get();
}

// Where element (i, p) of an MR-row panel of A is: a[p·MR + i] packed, a[i·lda + p] row-major,
// a[p·lda + i] column-major.
enum class ALayout { kPacked, kRowMajor, kColumnMajor };

// The R×NR tile C[i, j] (+)= Σ_p a(i, p) · b[p·NR + j] over p in [0, kc), R ≤ MR rows of a panel
// (a short last panel runs with its own R rather than padded to MR), in ascending p whatever the
// layout and R: the same sums bit for bit. nr < NR columns go out through a tile on the stack.
template <ALayout kLayout, int R>
void micro_kernel(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b, float* __restrict c, int64_t ldc, bool accumulate,
                  int nr) {
  vf acc[R][2];
#pragma GCC unroll 16
  for (int i = 0; i < R; i++) acc[i][0] = acc[i][1] = (vf){};
  for (int64_t p = 0; p < kc; p++) {
    const vf b0 = *reinterpret_cast<const vf*>(b + p * NR);
    const vf b1 = *reinterpret_cast<const vf*>(b + p * NR + VW);
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      const float ai = kLayout == ALayout::kRowMajor ? a[i * lda + p] : kLayout == ALayout::kColumnMajor ? a[p * lda + i] : a[p * MR + i];
      acc[i][0] += b0 * ai;
      acc[i][1] += b1 * ai;
    }
  }
  if (nr == NR) {
#pragma GCC unroll 16
    for (int i = 0; i < R; i++) {
      vfu* c0 = reinterpret_cast<vfu*>(c + i * ldc);
      vfu* c1 = reinterpret_cast<vfu*>(c + i * ldc + VW);
      if (accumulate) {
        *c0 += acc[i][0];
        *c1 += acc[i][1];
      } else {
        *c0 = acc[i][0];
        *c1 = acc[i][1];
      }
    }
    return;
  }
  alignas(64) float tile[R * NR];
  for (int i = 0; i < R; i++) {
    *reinterpret_cast<vf*>(tile + i * NR) = acc[i][0];
    *reinterpret_cast<vf*>(tile + i * NR + VW) = acc[i][1];
  }
  for (int i = 0; i < R; i++)
    for (int j = 0; j < nr; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
}

typedef void (*MicroKernel)(int64_t, const float*, int64_t, const float*, float*, int64_t, bool, int);

// micro_kernel<kLayout, R> for R = 1…MR, indexed by R − 1.
template <ALayout kLayout, int... I>
constexpr std::array<MicroKernel, MR> kernels_by_rows(std::integer_sequence<int, I...>) {
  return {&micro_kernel<kLayout, I + 1>...};
}
template <ALayout kLayout>
constexpr std::array<MicroKernel, MR> kKernels = kernels_by_rows<kLayout>(std::make_integer_sequence<int, MR>{});

void pack_a(int64_t mc, int64_t kc, const float* A, int64_t rsa, int64_t csa, float* out) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, out += MR * kc) {
    const int64_t mr = std::min<int64_t>(MR, mc - i0);
    for (int64_t p = 0; p < kc; p++) {
      const float* col = A + i0 * rsa + p * csa;
      for (int64_t i = 0; i < mr; i++) out[p * MR + i] = col[i * rsa];
      for (int64_t i = mr; i < MR; i++) out[p * MR + i] = 0.0f;
    }
  }
}

void pack_b(int64_t kc, int64_t nc, const float* B, int64_t rsb, int64_t csb, float* out) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR, out += NR * kc) {
    const int64_t nr = std::min<int64_t>(NR, nc - j0);
    for (int64_t p = 0; p < kc; p++) {
      const float* row = B + p * rsb + j0 * csb;
      float* dst = out + p * NR;
      if (csb == 1 && nr == NR) {
        std::memcpy(dst, row, NR * sizeof(float));
      } else {
        for (int64_t j = 0; j < nr; j++) dst[j] = row[j * csb];
        for (int64_t j = nr; j < NR; j++) dst[j] = 0.0f;
      }
    }
  }
}

}  // namespace

const char* sgemm_isa() { return ISA; }

namespace {

// One KC×NC block of the product: A's rows [0, m) at depth [p0, p0 + kc) against a packed B panel.
void multiply_panel(int64_t m, int64_t nc, int64_t kc, const float* A, int64_t rsa, int64_t csa, const float* packed_b, float* C, int64_t ldc,
                    bool add) {
  float* packed_a = scratch(0, (MC + MR) * KC);
  for (int64_t i0 = 0; i0 < m; i0 += MC) {
    const int64_t mc = std::min(MC, m - i0);
    // A row- or column-major A is read in place; one with two strides is packed into panels first.
    const bool packed = csa != 1 && rsa != 1;
    if (packed) pack_a(mc, kc, A + i0 * rsa, rsa, csa, packed_a);
    for (int64_t jr = 0; jr < nc; jr += NR) {
      const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
      for (int64_t ir = 0; ir < mc; ir += MR) {
        const int rows = static_cast<int>(std::min<int64_t>(MR, mc - ir));
        const float* b = packed_b + jr * kc;
        float* c = C + (i0 + ir) * ldc + jr;
        if (packed) kKernels<ALayout::kPacked>[rows - 1](kc, packed_a + ir * kc, 0, b, c, ldc, add, nr);
        else if (csa == 1) kKernels<ALayout::kRowMajor>[rows - 1](kc, A + (i0 + ir) * rsa, rsa, b, c, ldc, add, nr);
        else kKernels<ALayout::kColumnMajor>[rows - 1](kc, A + (i0 + ir), csa, b, c, ldc, add, nr);
      }
    }
  }
}

int64_t padded_columns(int64_t nc) { return (nc + NR - 1) / NR * NR; }

void zero_rows(int64_t m, int64_t n, float* C, int64_t ldc) {
  for (int64_t i = 0; i < m; i++) std::memset(C + i * ldc, 0, n * sizeof(float));
}

}  // namespace

void sgemm(int64_t m, int64_t n, int64_t k, const float* A, int64_t rsa, int64_t csa, const float* B, int64_t rsb, int64_t csb, float* C,
           int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) zero_rows(m, n, C, ldc);
    return;
  }
  float* packed_b = scratch(1, KC * (NC + NR));
  for (int64_t j0 = 0; j0 < n; j0 += NC) {
    const int64_t nc = std::min(NC, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += KC) {
      const int64_t kc = std::min(KC, k - p0);
      pack_b(kc, nc, B + p0 * rsb + j0 * csb, rsb, csb, packed_b);
      multiply_panel(m, nc, kc, A + p0 * csa, rsa, csa, packed_b, C + j0, ldc, accumulate || p0 > 0);
    }
  }
}

int64_t PackedB::storage_floats(int64_t k, int64_t n) {
  int64_t size = 0;
  for (int64_t j0 = 0; j0 < n; j0 += NC)
    for (int64_t p0 = 0; p0 < k; p0 += KC) size += std::min(KC, k - p0) * padded_columns(std::min(NC, n - j0));
  return size;
}

PackedB::PackedB(int64_t k, int64_t n, const float* B, int64_t rsb, int64_t csb) : k_(k), n_(n) {
  storage_.resize(storage_floats(k, n) + 16);
  const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
  base_ = storage_.data() + ((64 - address % 64) % 64) / sizeof(float);
  pack(B, rsb, csb);
}

PackedB::PackedB(int64_t k, int64_t n, const float* B, int64_t rsb, int64_t csb, float* storage) : k_(k), n_(n), base_(storage) { pack(B, rsb, csb); }

// Every block is a multiple of NR floats (≥ 64 bytes), so from an aligned base each panel starts
// 64-byte aligned too.
void PackedB::pack(const float* B, int64_t rsb, int64_t csb) {
  int64_t offset = 0;
  for (int64_t j0 = 0; j0 < n_; j0 += NC)
    for (int64_t p0 = 0; p0 < k_; p0 += KC) {
      offsets_.push_back(offset);
      const int64_t kc = std::min(KC, k_ - p0), nc = std::min(NC, n_ - j0);
      pack_b(kc, nc, B + p0 * rsb + j0 * csb, rsb, csb, base_ + offset);
      offset += kc * padded_columns(nc);
    }
}

const float* PackedB::panel(int64_t j0, int64_t p0) const {
  const int64_t slices = (k_ + KC - 1) / KC;
  return base_ + offsets_[(j0 / NC) * slices + p0 / KC];
}

void sgemm_packed(int64_t m, const float* A, int64_t rsa, int64_t csa, const PackedB& B, float* C, int64_t ldc, bool accumulate) {
  const int64_t n = B.n(), k = B.k();
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) zero_rows(m, n, C, ldc);
    return;
  }
  for (int64_t j0 = 0; j0 < n; j0 += NC) {
    const int64_t nc = std::min(NC, n - j0);
    for (int64_t p0 = 0; p0 < k; p0 += KC)
      multiply_panel(m, nc, std::min(KC, k - p0), A + p0 * csa, rsa, csa, B.panel(j0, p0), C + j0, ldc, accumulate || p0 > 0);
  }
}

}  // namespace cdm
