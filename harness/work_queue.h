// One worker's seat at a run shared through the PostgreSQL work queue
// (`rigor run --worker`). Any number of identical workers on any number of
// machines; no coordinator but the database.
//
// The seat registers the worker, and a background thread heartbeats it
// every kHeartbeatS (three small statements): that also extends the worker's leases (so a 30-minute
// reasoning request keeps its sample) and learns which workers are alive.
// A worker killed with -9 stops heartbeating; its leases run out after
// lease_s and the others claim those samples again.
//
// Rate limits across workers: each live worker takes an equal share of
// every model's rpm and tpm, and of its concurrency (split exactly: worker
// of rank r among N gets C/N, plus one when r < C mod N). A heartbeat
// re-balances the shares when workers come and go. Why shares rather than a
// token-bucket row taken in each claim: no request waits on a database
// round trip, and no row becomes the one every worker queues on; the cost is
// that a dead worker's share stays unused until it is seen as gone (about
// kStaleAfterS). A joining worker waits one heartbeat before sending, so the
// others have shrunk to their new share first and the endpoint never sees
// more than its limits.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/config.h"
#include "harness/rate_limit.h"
#include "store/store.h"

namespace rigor {

class WorkerSeat {
 public:
  static constexpr double kHeartbeatS = 0.5;
  static constexpr double kStaleAfterS = 5;  // no heartbeat this long: the worker is gone

  // Registers this process on the run and starts the heartbeat. `store`
  // must outlive the seat. Throws what the store throws.
  WorkerSeat(Store& store, const std::string& run_id, double lease_s, const Config& cfg);
  // Stops the heartbeat, gives back leased samples never finished, leaves.
  ~WorkerSeat();
  WorkerSeat(const WorkerSeat&) = delete;
  WorkerSeat& operator=(const WorkerSeat&) = delete;

  const std::string& id() const { return me_.worker; }
  double lease_s() const { return lease_s_; }
  // The limiter each model's engine takes, resized to this worker's share.
  std::shared_ptr<RateLimiter> limiter(size_t model) const { return limiters_[model]; }
  // Requests this worker may have in flight for the model now.
  int concurrency(size_t model) const { return concurrency_[model].load(); }
  int live_workers() const { return live_.load(); }

 private:
  void apply_shares(const std::vector<std::string>& live);
  void beat();

  Store& store_;
  std::string run_id_;
  double lease_s_;
  const Config& cfg_;
  WorkerRecord me_;
  std::vector<std::shared_ptr<RateLimiter>> limiters_;
  std::unique_ptr<std::atomic<int>[]> concurrency_;
  std::atomic<int> live_{1};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// "<host>:<pid>:<8 hex>": unique across machines and pid reuse.
std::string make_worker_id();

}  // namespace rigor
