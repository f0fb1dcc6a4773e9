// Splits [0, count) into `threads` contiguous ranges and runs body(begin, end, part) on each, the
// first on the calling thread. Threads are started per call (tens of microseconds, small against a
// convolution), so nothing outlives the call and no pool needs shutting down.
#pragma once
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

namespace cdm {

template <typename Body>
void parallel_ranges(int64_t count, int threads, Body body) {
  const int parts = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
  if (parts == 1) {
    body(int64_t{0}, count, 0);
    return;
  }
  std::vector<std::thread> workers;
  workers.reserve(parts - 1);
  const auto begin = [&](int part) { return count * part / parts; };
  for (int part = 1; part < parts; part++) workers.emplace_back([&, part] { body(begin(part), begin(part + 1), part); });
  body(begin(0), begin(1), 0);
  for (auto& worker : workers) worker.join();
}

}  // namespace cdm
