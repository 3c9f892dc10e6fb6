// One process per run at a time. A run is leased in the store (run_leases:
// pid, host, heartbeat) before any request is sent, and the lease is renewed
// every few seconds by a background thread. A second `rigor run` of the same
// run on the same database is refused with the holder's pid and host rather
// than repeating the work (and the spend). A holder that died (kill -9) is
// taken over at once when it is on this host and its pid is gone, else once
// its heartbeat is older than kStaleAfterS (another machine on a shared file).
//
// Why a lease row rather than an OS file lock: it lives in the database, so
// it holds across machines that share it, and the refusal can say who runs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "store/store.h"

namespace rigor {

// Another live process holds the run; what() names it.
class RunBusyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunLease {
 public:
  static constexpr double kHeartbeatS = 5;
  static constexpr double kStaleAfterS = 30;

  // Takes the lease or throws RunBusyError. `store` must outlive the lease.
  RunLease(Store& store, const std::string& run_id);
  ~RunLease();  // stops the heartbeat and releases the lease
  RunLease(const RunLease&) = delete;
  RunLease& operator=(const RunLease&) = delete;

  // True once another process took the lease over (this one was stalled
  // longer than kStaleAfterS): stop starting samples.
  bool lost() const { return lost_.load(); }

 private:
  void beat();

  Store& store_;
  RunLeaseRecord mine_;
  std::atomic<bool> lost_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace rigor
