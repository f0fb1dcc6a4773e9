// Single-precision matrix multiply on packed panels (the BLIS/Goto blocking): the one routine every
// native kernel of @cdm/backend-node is built on.
#pragma once
#include <cstdint>

namespace cdm {

// C[m×n] (+)= A[m×k] · B[k×n], single-threaded. Element (i, p) of A is A[i·rsa + p·csa] and (p, j)
// of B is B[p·rsb + j·csb], so transposed operands need no copy; C is row-major with row stride
// ldc. With accumulate = false C is overwritten, otherwise added to.
void sgemm(int64_t m, int64_t n, int64_t k, const float* A, int64_t rsa, int64_t csa, const float* B, int64_t rsb, int64_t csb,
           float* C, int64_t ldc, bool accumulate);

// The vector instruction set the micro-kernel was compiled for ("avx512", "avx2", "sse/neon").
const char* sgemm_isa();

}  // namespace cdm
