#include "scorers/sandbox/monitor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "scorers/sandbox/jail.h"

namespace rigor::sandbox::detail {
namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// After the tree is gone, its pipes close at once; this only bounds a wait
// for a leftover holder in the rlimits-only mode.
constexpr double kDrainGraceS = 0.5;
// How long the other jails of a run may take to end by themselves once the
// primary has ended (so that how they ended is known) before they are killed.
constexpr double kStopGraceS = 0.2;
// How long a killed tree may take to report before we stop waiting.
constexpr double kKillGraceS = 5.0;

bool ends_with_memory_error(const std::string& err) {
  size_t end = err.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return false;
  size_t start = err.rfind('\n', end);
  std::string last = err.substr(start == std::string::npos ? 0 : start + 1, end + 1);
  return last.rfind("MemoryError", 0) == 0;
}

}  // namespace

std::vector<Watched> watch(const std::vector<Streams>& jails, double wall_s, size_t cap) {
  const size_t nj = jails.size();
  std::vector<Watched> w(nj);
  auto start = Clock::now();
  Clock::time_point deadline = start + seconds(wall_s);
  bool all_killed = false;
  std::vector<bool> killed(nj, false);
  std::vector<Clock::time_point> status_closed_at(nj);
  // Stream k of jail j is at index 3 * j + k: stdout, stderr, status.
  std::vector<int> fds;
  std::vector<bool> open;
  for (const auto& j : jails) {
    for (int fd : {j.out_fd, j.err_fd, j.status_fd}) {
      fds.push_back(fd);
      open.push_back(fd >= 0);
    }
  }
  auto kill_jail_once = [&](size_t j) {
    if (killed[j]) return;
    killed[j] = true;
    jails[j].kill();
  };
  auto buffer = [&](size_t i) -> std::string& {
    Watched& x = w[i / 3];
    return i % 3 == 0 ? x.out : i % 3 == 1 ? x.err : x.status;
  };
  char chunk[65536];
  std::vector<pollfd> pfd(fds.size());
  std::vector<size_t> which(fds.size());
  for (;;) {
    auto now = Clock::now();
    bool any_open = false;
    Clock::time_point until = deadline;
    for (size_t j = 0; j < nj; ++j) {
      bool jail_open = open[3 * j] || open[3 * j + 1] || open[3 * j + 2];
      if (!jail_open) continue;
      if (!open[3 * j + 2]) {
        // The init has exited; a leftover holder of the pipes only gets a grace period.
        if (status_closed_at[j] == Clock::time_point{}) status_closed_at[j] = now;
        if (now - status_closed_at[j] > seconds(kDrainGraceS)) {
          open[3 * j] = open[3 * j + 1] = false;
          continue;
        }
        until = std::min(until, status_closed_at[j] + seconds(kDrainGraceS));
      }
      any_open = true;
    }
    if (!any_open) break;
    if (!open[2] && nj > 1) {
      // The primary is done. The others usually end on their own at once (their
      // peer is gone); what is still running after a moment is killed.
      if (status_closed_at[0] == Clock::time_point{}) status_closed_at[0] = now;
      if (now - status_closed_at[0] >= seconds(kStopGraceS)) {
        for (size_t j = 1; j < nj; ++j) {
          if (!killed[j] && open[3 * j + 2]) w[j].stopped = true;
          kill_jail_once(j);
        }
      } else {
        until = std::min(until, status_closed_at[0] + seconds(kStopGraceS));
      }
    }
    if (now >= deadline) {
      if (all_killed) break;  // a tree that does not die is reported as a sandbox failure by the caller
      all_killed = true;
      for (size_t j = 0; j < nj; ++j) {
        if (!killed[j]) w[j].timed_out = true;
        kill_jail_once(j);
      }
      deadline = now + seconds(kKillGraceS);
      continue;
    }
    int timeout_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()) + 1;
    size_t n = 0;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!open[i]) continue;
      pfd[n] = {fds[i], POLLIN, 0};
      which[n++] = i;
    }
    int r = poll(pfd.data(), n, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    for (size_t k = 0; k < n; ++k) {
      if (pfd[k].revents == 0) continue;
      size_t i = which[k];
      ssize_t got = read(fds[i], chunk, sizeof chunk);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        open[i] = false;
        continue;
      }
      std::string& b = buffer(i);
      bool capped = i % 3 != 2;
      size_t room = !capped ? static_cast<size_t>(got) : (cap >= b.size() ? cap - b.size() : 0);
      b.append(chunk, std::min(room, static_cast<size_t>(got)));
      size_t j = i / 3;
      if (capped && static_cast<size_t>(got) > room && !killed[j]) {
        w[j].over_cap = true;
        kill_jail_once(j);
        if (j == 0) deadline = std::min(deadline, Clock::now() + seconds(kKillGraceS));
      }
    }
  }
  double wall = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& x : w) x.wall_s = wall;
  return w;
}

Result classify(Watched w, const Limits& limits, double cpu_s, bool group_oom) {
  Result r;
  r.wall_s = w.wall_s;
  JailStatus st = parse_status(w.status);
  r.stdout_data = std::move(w.out);
  r.stderr_data = std::move(w.err);
  if (w.over_cap) {
    r.outcome = Outcome::kOutputLimit;
    return r;
  }
  if (w.timed_out) {
    r.outcome = Outcome::kTimeLimit;
    r.term_signal = SIGKILL;
    return r;
  }
  if (!st.error.empty()) {
    r.outcome = Outcome::kSandboxError;
    r.error = "jail setup: " + st.error;
    return r;
  }
  if (!st.have_status && group_oom) {
    r.outcome = Outcome::kMemoryLimit;  // the OOM killer chose the jail's init
    r.term_signal = SIGKILL;
    return r;
  }
  if (!st.have_status && w.stopped) {
    r.outcome = Outcome::kSignaled;  // still running when the caller stopped it
    r.term_signal = SIGKILL;
    return r;
  }
  if (!st.have_status) {
    r.outcome = Outcome::kSandboxError;
    r.error = "the jail ended without reporting the program's status";
    return r;
  }
  int ws = st.wait_status;
  if (WIFSIGNALED(ws)) {
    r.term_signal = WTERMSIG(ws);
    bool cpu_out = cpu_s >= 0 && cpu_s + 0.05 >= limits.cpu_s;
    if (r.term_signal == SIGXCPU || (r.term_signal == SIGKILL && cpu_out)) {
      r.outcome = Outcome::kTimeLimit;
    } else if (group_oom) {
      r.outcome = Outcome::kMemoryLimit;
    } else {
      r.outcome = Outcome::kSignaled;
    }
    return r;
  }
  r.exit_code = WEXITSTATUS(ws);
  r.outcome = Outcome::kExited;
  if (r.exit_code != 0 && (group_oom || ends_with_memory_error(r.stderr_data))) r.outcome = Outcome::kMemoryLimit;
  return r;
}

int data_fd(const std::string& data, const char* name) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      return -1;
    }
    off += static_cast<size_t>(n);
  }
  if (lseek(fd, 0, SEEK_SET) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace rigor::sandbox::detail
