// Progress of a run on stderr: done/total per model, ETA, live output tok/s,
// errors so far. On a terminal it redraws one line every second; otherwise it
// prints a line every ten seconds, so CI logs stay short.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rigor {

class Progress {
 public:
  explicit Progress(bool enabled);
  ~Progress();

  // Before start(): a model with `total` planned samples, `done` already stored.
  void add_model(const std::string& name, int total, int done);
  void start();
  // Thread-safe: one finished (ok) or failed sample of model index `model`.
  void record(size_t model, bool ok, int64_t output_tokens);
  void stop();  // prints the final line

  // The status line as it is now (exposed for tests).
  std::string line();

 private:
  struct Model {
    std::string name;
    int total = 0;
    int done_before = 0;
    std::atomic<int> done{0};
    std::atomic<int> errors{0};
    std::atomic<int64_t> tokens{0};
  };
  void loop();

  bool enabled_;
  bool tty_;
  std::vector<std::unique_ptr<Model>> models_;
  std::chrono::steady_clock::time_point start_;
  std::deque<std::pair<double, int64_t>> window_;  // (time, total tokens) for live tok/s
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rigor
