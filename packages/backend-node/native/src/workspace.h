// Scratch memory that outlives a call. The kernels take their temporary buffers (transformed
// filters, gathered patches, per-thread partial sums) from here rather than from malloc: a buffer
// above glibc's mmap threshold is mapped afresh on every call, and first touching new pages cost
// more than the arithmetic on this machine (an 8×8 Winograd convolution ran 7× slower so).
#pragma once
#include <cstddef>

namespace cdm {

// One buffer per slot and thread, so a kernel can hold several at once and the pool's threads never
// share one. A kernel that runs another (the input gradient runs Winograd's convolution) uses
// different slots from it.
enum class Slot {
  kFilter,          // a transformed or rearranged filter (Winograd's U, a transposed filter)
  kPackedFilter,    // PackedB storage for it
  kRotatedFilter,   // the input gradient's rotated filter, read while Winograd's kFilter is in use
  kTilesIn,         // a chunk of transformed input tiles, or gathered patches
  kTilesOut,        // a chunk of products before the output transform
  kSums,            // a thread's partial sums of a gradient
  kZeros,           // zeros standing in for pixels outside the image
  kCount,
};

// At least `floats` floats, 64-byte aligned, for the calling thread's `slot`; grown when too small,
// kept until the thread ends. The contents are whatever the last user left.
float* workspace(Slot slot, size_t floats);

// workspace(slot, floats) filled with zeros.
float* zeroed_workspace(Slot slot, size_t floats);

}  // namespace cdm
