// Progress of a run on stderr: done/total per model, ETA, live output tok/s,
// errors so far and the cause of the last one, requests in flight and how
// long the server has been silent when it is, models stopped and why. On a terminal it redraws one line every second; otherwise it
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
  // Thread-safe: one finished (ok) or failed sample of model index `model`;
  // `cause` names the error kind of a failed one ("timeout", "auth", ...).
  void record(size_t model, bool ok, int64_t output_tokens, const char* cause = "");
  // Thread-safe: a request of `model` was sent / came back (any outcome).
  void sent(size_t model);
  void returned(size_t model);
  // Thread-safe: the model runs no more samples, for `why`.
  void stopped(size_t model, const std::string& why);
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
    std::atomic<int> in_flight{0};
    std::atomic<double> last_back_s{0};     // seconds since start() when a request last came back
    std::atomic<const char*> last_error{""};  // a static string from to_string(ErrorCode)
    std::string stopped;                    // guarded by mu_
  };
  double now_s() const;
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
