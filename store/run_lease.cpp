#include "store/run_lease.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include <fmt/format.h>

namespace rigor {
namespace {

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

bool process_alive(int64_t pid) { return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

}  // namespace

RunLease::RunLease(Store& store, const std::string& run_id) : store_(store) {
  mine_ = RunLeaseRecord{run_id, static_cast<int64_t>(getpid()), host_name(), unix_now()};
  auto holder = store_.take_lease(mine_, kStaleAfterS);
  if (holder && holder->host == mine_.host && !process_alive(holder->pid)) {
    holder = store_.take_lease(mine_, kStaleAfterS, holder);  // only if nobody else took it meanwhile
  }
  if (holder) {
    throw RunBusyError(fmt::format(
        "run \"{}\" is being run by another rigor (pid {} on {}, heartbeat {:.0f} s ago) on {}; not starting a "
        "second copy, which would repeat its samples. Wait for it to finish (or stop it), then re-run to resume",
        run_id, holder->pid, holder->host, std::max(0.0, unix_now() - holder->heartbeat), store_.path()));
  }
  thread_ = std::thread([this] { beat(); });
}

RunLease::~RunLease() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  try {
    if (!lost_) store_.release_lease(mine_);
  } catch (...) {
    // A failing database at exit: the lease goes stale and is taken over.
  }
}

void RunLease::beat() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::duration<double>(kHeartbeatS), [this] { return stopping_; })) {
    lock.unlock();
    try {
      if (!store_.renew_lease(mine_, unix_now())) lost_ = true;
    } catch (...) {
      // Busy database: the next beat tries again, well within kStaleAfterS.
    }
    lock.lock();
    if (lost_) return;
  }
}

}  // namespace rigor
