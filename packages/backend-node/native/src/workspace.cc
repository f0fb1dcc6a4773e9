#include "workspace.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace cdm {

namespace {

struct Buffer {
  float* data = nullptr;
  size_t floats = 0;
  ~Buffer() { std::free(data); }
};

}  // namespace

float* workspace(Slot slot, size_t floats) {
  thread_local Buffer buffers[static_cast<int>(Slot::kCount)];
  Buffer& b = buffers[static_cast<int>(slot)];
  if (b.floats < floats || b.data == nullptr) {
    std::free(b.data);
    const size_t bytes = ((floats > 0 ? floats : 1) * sizeof(float) + 63) / 64 * 64;  // aligned_alloc wants a multiple of the alignment
    b.data = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (b.data == nullptr) {
      b.floats = 0;
      throw std::bad_alloc();
    }
    b.floats = floats;
  }
  return b.data;
}

float* zeroed_workspace(Slot slot, size_t floats) {
  float* p = workspace(slot, floats);
  std::memset(p, 0, floats * sizeof(float));
  return p;
}

}  // namespace cdm
