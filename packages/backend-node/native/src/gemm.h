// Single-precision matrix multiply on packed panels (the BLIS/Goto blocking): the one routine every
// native kernel of @cdm/backend-node is built on.
#pragma once
#include <cstdint>
#include <vector>

namespace cdm {

// C[m×n] (+)= A[m×k] · B[k×n], single-threaded. Element (i, p) of A is A[i·rsa + p·csa] and (p, j)
// of B is B[p·rsb + j·csb], so transposed operands need no copy; C is row-major with row stride
// ldc. With accumulate = false C is overwritten, otherwise added to.
void sgemm(int64_t m, int64_t n, int64_t k, const float* A, int64_t rsa, int64_t csa, const float* B, int64_t rsb, int64_t csb,
           float* C, int64_t ldc, bool accumulate);

// B[k×n] packed once into the panels sgemm would pack on every call, for many products with the
// same B (a convolution's filter against each chunk of gathered patches). Read-only once built, so
// threads share it.
class PackedB {
 public:
  PackedB(int64_t k, int64_t n, const float* B, int64_t rsb, int64_t csb);
  // The same, packed into `storage` (storage_floats(k, n) floats, 64-byte aligned, e.g. from
  // workspace()), which must outlive it.
  PackedB(int64_t k, int64_t n, const float* B, int64_t rsb, int64_t csb, float* storage);
  static int64_t storage_floats(int64_t k, int64_t n);
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  // The panel for columns [j0, j0 + NC) and depth [p0, p0 + KC) (j0, p0 multiples of the blocking).
  const float* panel(int64_t j0, int64_t p0) const;

 private:
  int64_t k_, n_;
  void pack(const float* B, int64_t rsb, int64_t csb);
  std::vector<float> storage_;    // when owned: over-allocated so that base_ is 64-byte aligned (the micro-kernel's aligned loads)
  float* base_ = nullptr;
  std::vector<int64_t> offsets_;  // per (column block, depth slice), in sgemm's loop order
};

// C[m×n] (+)= A[m×k] · B with B packed: the same blocking, loop order and micro-kernel as sgemm, so
// the result is bit for bit sgemm's.
void sgemm_packed(int64_t m, const float* A, int64_t rsa, int64_t csa, const PackedB& B, float* C, int64_t ldc, bool accumulate);

// The vector instruction set the micro-kernel was compiled for ("avx512", "avx2", "sse/neon").
const char* sgemm_isa();

}  // namespace cdm
