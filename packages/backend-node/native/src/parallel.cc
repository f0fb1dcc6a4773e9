#include "parallel.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace cdm {

namespace {

// Workers wait for a new generation of work, run their part (index + 1) if the job has one, and
// count down. The pool is never destroyed: its threads sleep between jobs and end with the process,
// so nothing has to be joined at exit.
class Pool {
 public:
  void run(int parts, const std::function<void(int)>& body) {
    std::lock_guard<std::mutex> turn(caller_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(workers_.size()) < parts - 1) {
        const int index = static_cast<int>(workers_.size());
        workers_.emplace_back([this, index, seen = generation_] { loop(index, seen); });
      }
      body_ = &body;
      parts_ = parts;
      remaining_ = parts - 1;
      generation_++;
    }
    wake_.notify_all();
    body(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return remaining_ == 0; });
    body_ = nullptr;
  }

 private:
  void loop(int index, uint64_t seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      const int part = index + 1;
      if (part >= parts_) continue;  // this job needs fewer threads
      const std::function<void(int)>* body = body_;
      lock.unlock();
      (*body)(part);
      lock.lock();
      if (--remaining_ == 0) done_.notify_one();
    }
  }

  std::mutex caller_;  // one job at a time
  std::mutex mutex_;   // guards everything below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* body_ = nullptr;
  int parts_ = 0, remaining_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace

void run_parts(int parts, const std::function<void(int)>& body) {
  static Pool* const pool = new Pool();  // deliberately never freed (see Pool)
  pool->run(parts, body);
}

}  // namespace cdm
