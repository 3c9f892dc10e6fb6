#include "harness/work_queue.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include <fmt/format.h>

#include "base/utc_time.h"

namespace rigor {

std::string make_worker_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "unknown-host");
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}", host, getpid(), rd());
}

WorkerSeat::WorkerSeat(Store& store, const std::string& run_id, double lease_s, const Config& cfg)
    : store_(store), run_id_(run_id), lease_s_(lease_s), cfg_(cfg) {
  const std::string id = make_worker_id();
  me_ = WorkerRecord{id, id.substr(0, id.find(':')), static_cast<int64_t>(getpid()), utc_now(), 0, 0};
  concurrency_ = std::make_unique<std::atomic<int>[]>(cfg.models.size());
  for (size_t mi = 0; mi < cfg.models.size(); ++mi) {
    const auto& m = cfg.models[mi];
    limiters_.push_back(
        std::make_shared<RateLimiter>(RateLimits{m.rpm, m.tpm, m.concurrency, m.adaptive_concurrency}));
  }
  apply_shares(store_.worker_heartbeat(run_id_, me_, lease_s_, kStaleAfterS));
  thread_ = std::thread([this] { beat(); });
  if (live_.load() > 1) {
    // The others learn of this worker at their next heartbeat and shrink.
    std::this_thread::sleep_for(std::chrono::duration<double>(kHeartbeatS * 1.5));
  }
}

WorkerSeat::~WorkerSeat() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  try {
    store_.release_work(run_id_, me_.worker);
    store_.remove_worker(run_id_, me_.worker);
  } catch (...) {
    // The database is gone: the leases run out and others take them.
  }
}

void WorkerSeat::apply_shares(const std::vector<std::string>& live) {
  const int n = std::max<int>(1, static_cast<int>(live.size()));
  auto at = std::find(live.begin(), live.end(), me_.worker);
  const int rank = at == live.end() ? n - 1 : static_cast<int>(at - live.begin());
  live_ = n;
  for (size_t mi = 0; mi < cfg_.models.size(); ++mi) {
    const int c = cfg_.models[mi].concurrency;
    const int share = c / n + (rank < c % n ? 1 : 0);
    concurrency_[mi] = share;
    limiters_[mi]->set_share(1.0 / n, share);
  }
}

void WorkerSeat::beat() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::duration<double>(kHeartbeatS), [this] { return stopping_; })) {
    lock.unlock();
    try {
      apply_shares(store_.worker_heartbeat(run_id_, me_, lease_s_, kStaleAfterS));
    } catch (const std::exception& e) {
      // The next beat tries again; the leases outlast a few missed beats.
      fmt::print(stderr, "rigor: worker heartbeat failed: {}\n", e.what());
    }
    lock.lock();
  }
}

}  // namespace rigor
