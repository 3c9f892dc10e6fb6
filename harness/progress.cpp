#include "harness/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

namespace rigor {

Progress::Progress(bool enabled) : enabled_(enabled), tty_(isatty(STDERR_FILENO) != 0) {}

Progress::~Progress() { stop(); }

void Progress::add_model(const std::string& name, int total, int done) {
  auto m = std::make_unique<Model>();
  m->name = name;
  m->total = total;
  m->done_before = done;
  models_.push_back(std::move(m));
}

void Progress::start() {
  start_ = std::chrono::steady_clock::now();
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

double Progress::now_s() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

void Progress::record(size_t model, bool ok, int64_t output_tokens, const char* cause) {
  Model& m = *models_[model];
  m.done.fetch_add(1, std::memory_order_relaxed);
  if (!ok) {
    m.errors.fetch_add(1, std::memory_order_relaxed);
    m.last_error.store(cause, std::memory_order_relaxed);
  }
  if (output_tokens > 0) m.tokens.fetch_add(output_tokens, std::memory_order_relaxed);
}

void Progress::sent(size_t model) {
  Model& m = *models_[model];
  // An idle model starts its silence clock at its first request, not at start().
  if (m.in_flight.fetch_add(1, std::memory_order_relaxed) == 0) m.last_back_s.store(now_s(), std::memory_order_relaxed);
}

void Progress::returned(size_t model) {
  Model& m = *models_[model];
  m.in_flight.fetch_sub(1, std::memory_order_relaxed);
  m.last_back_s.store(now_s(), std::memory_order_relaxed);
}

void Progress::stopped(size_t model, const std::string& why) {
  std::lock_guard lock(mu_);
  models_[model]->stopped = why;
}

std::string Progress::line() {
  double t = now_s();
  std::lock_guard lock(mu_);
  int64_t tokens = 0;
  int done_now = 0, left = 0;
  std::string parts;
  for (const auto& m : models_) {
    int done = m->done_before + m->done.load();
    done_now += m->done.load();
    left += m->total - done;
    tokens += m->tokens.load();
    parts += fmt::format("{}{} {}/{}", parts.empty() ? "" : " | ", m->name, done, m->total);
    if (int e = m->errors.load()) {
      const std::string last = m->last_error.load();
      parts += fmt::format(" ({} err{})", e, last.empty() ? "" : ", last: " + last);
    }
    if (!m->stopped.empty()) {
      parts += fmt::format(" STOPPED: {}", m->stopped);
    } else if (const int f = m->in_flight.load(); f > 0) {
      // Requests out but nothing back for a while: waiting on the server (or on retries).
      const double silent = t - m->last_back_s.load();
      if (silent >= 5) parts += fmt::format(" [{} waiting, none back for {:.0f}s]", f, silent);
    }
  }
  // Live rate over the last ~10 seconds.
  window_.emplace_back(t, tokens);
  while (window_.size() > 2 && window_.front().first < t - 10) window_.pop_front();
  double dt = window_.back().first - window_.front().first;
  // The first line has no window yet: the average since the start.
  double tps = dt > 0  ? static_cast<double>(window_.back().second - window_.front().second) / dt
               : t > 0 ? static_cast<double>(tokens) / t
                       : 0;
  std::string eta = "--";
  if (done_now > 0 && left > 0) {
    double secs = t / done_now * left;
    eta = secs < 120 ? fmt::format("{:.0f}s", secs) : fmt::format("{:.0f}m", secs / 60);
  } else if (left == 0) {
    eta = "0s";
  }
  return fmt::format("{} | {:.0f} tok/s | ETA {} | {:.0f}s", parts, tps, eta, t);
}

void Progress::loop() {
  auto period = std::chrono::seconds(tty_ ? 1 : 10);
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
    lock.unlock();
    std::string l = line();
    if (tty_) {
      fmt::print(stderr, "\r\033[K{}", l);
    } else {
      fmt::print(stderr, "progress: {}\n", l);
    }
    std::fflush(stderr);
    lock.lock();
  }
}

void Progress::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    fmt::print(stderr, "{}done: {}\n", tty_ ? "\r\033[K" : "", line());
  }
}

}  // namespace rigor
