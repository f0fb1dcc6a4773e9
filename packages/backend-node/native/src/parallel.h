// Splits [0, count) into `threads` contiguous ranges and runs body(begin, end, part) on each: the
// first on the calling thread, the others on a pool of threads that lives as long as the process.
// Starting threads per call cost ~60 µs each here, and every new thread faulted in fresh SGEMM
// packing buffers; the pool's threads keep theirs.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

namespace cdm {

// Runs body(part) for every part in [0, parts): part 0 on the calling thread, the rest on the pool,
// and returns when all are done. Calls from several threads (Node workers share the library) take
// turns. body must not call run_parts itself.
void run_parts(int parts, const std::function<void(int)>& body);

template <typename Body>
void parallel_ranges(int64_t count, int threads, Body body) {
  const int parts = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
  if (parts == 1) {
    body(int64_t{0}, count, 0);
    return;
  }
  const auto begin = [&](int part) { return count * part / parts; };
  run_parts(parts, [&](int part) { body(begin(part), begin(part + 1), part); });
}

}  // namespace cdm
