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

Watched watch(int out_fd, int err_fd, int status_fd, double wall_s, size_t cap,
              const std::function<void()>& kill) {
  Watched w;
  auto start = Clock::now();
  Clock::time_point deadline = start + seconds(wall_s);
  bool killed = false;
  bool open[3] = {out_fd >= 0, err_fd >= 0, status_fd >= 0};
  int fds[3] = {out_fd, err_fd, status_fd};
  std::string* bufs[3] = {&w.out, &w.err, &w.status};
  Clock::time_point status_closed_at{};
  char chunk[65536];
  while (open[0] || open[1] || open[2]) {
    auto now = Clock::now();
    if (!killed && now >= deadline) {
      w.timed_out = true;
      killed = true;
      kill();
      deadline = now + seconds(kKillGraceS);
    } else if (killed && now >= deadline) {
      break;  // a tree that does not die is reported as a sandbox failure by the caller
    }
    if (!open[2]) {
      if (status_closed_at == Clock::time_point{}) status_closed_at = now;
      if (now - status_closed_at > seconds(kDrainGraceS)) break;
    }
    Clock::time_point until = open[2] ? deadline : std::min(deadline, status_closed_at + seconds(kDrainGraceS));
    int timeout_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()) + 1;
    pollfd pfd[3];
    int n = 0;
    int which[3];
    for (int i = 0; i < 3; ++i) {
      if (!open[i]) continue;
      pfd[n] = {fds[i], POLLIN, 0};
      which[n++] = i;
    }
    int r = poll(pfd, n, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    for (int k = 0; k < n; ++k) {
      if (pfd[k].revents == 0) continue;
      int i = which[k];
      ssize_t got = read(fds[i], chunk, sizeof chunk);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        open[i] = false;
        continue;
      }
      std::string& b = *bufs[i];
      size_t room = i == 2 ? static_cast<size_t>(got) : (cap >= b.size() ? cap - b.size() : 0);
      b.append(chunk, std::min(room, static_cast<size_t>(got)));
      if (i != 2 && static_cast<size_t>(got) > room && !killed) {
        w.over_cap = true;
        killed = true;
        kill();
        deadline = Clock::now() + seconds(kKillGraceS);
      }
    }
  }
  w.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  return w;
}

Result classify(Watched w, const Limits& limits, double cpu_s) {
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
    } else {
      r.outcome = Outcome::kSignaled;
    }
    return r;
  }
  r.exit_code = WEXITSTATUS(ws);
  r.outcome = Outcome::kExited;
  if (r.exit_code != 0 && ends_with_memory_error(r.stderr_data)) r.outcome = Outcome::kMemoryLimit;
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
