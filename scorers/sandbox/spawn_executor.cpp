#include "scorers/sandbox/spawn_executor.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "scorers/sandbox/jail.h"
#include "scorers/sandbox/monitor.h"
#include "scorers/sandbox/python_runner.h"

namespace rigor::sandbox::detail {
namespace {

struct Fds {
  int v[7] = {-1, -1, -1, -1, -1, -1, -1};
  ~Fds() {
    for (int fd : v)
      if (fd >= 0) close(fd);
  }
  void close_at(int i) {
    if (v[i] >= 0) close(v[i]);
    v[i] = -1;
  }
};
enum { kIn, kSrc, kOutR, kOutW, kErrR, kErrW, kStatus };

Result sandbox_error(std::string msg, const Isolation& iso) {
  Result r;
  r.outcome = Outcome::kSandboxError;
  r.error = std::move(msg);
  r.isolation = iso;
  return r;
}

}  // namespace

SpawnExecutor::SpawnExecutor(std::string python, bool namespaces)
    : python_(std::move(python)), namespaces_(namespaces) {}

Isolation SpawnExecutor::isolation() const {
  Isolation iso;
  iso.user_ns = iso.pid_ns = iso.net_ns = iso.mount_ns = iso.ipc_ns = iso.uts_ns = namespaces_;
  iso.seccomp = iso.rlimits = true;
  return iso;
}

Result SpawnExecutor::run(const Program& program, const Limits& limits) {
  Fds f;
  f.v[kIn] = data_fd(program.stdin_data, "rigor-stdin");
  f.v[kSrc] = data_fd(program.source, "rigor-source");
  if (f.v[kIn] < 0 || f.v[kSrc] < 0) return sandbox_error("memfd_create failed", isolation());
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return sandbox_error("pipe failed", isolation());
  f.v[kOutR] = p[0];
  f.v[kOutW] = p[1];
  if (pipe2(p, O_CLOEXEC) != 0) return sandbox_error("pipe failed", isolation());
  f.v[kErrR] = p[0];
  f.v[kErrW] = p[1];

  JailSpec spec;
  spec.exe = python_;
  spec.argv = {"python3", "-I", "-c", spawn_runner_source()};
  spec.env = jail_environment();
  spec.namespaces = namespaces_;
  spec.limits = limits;
  spec.extra_nproc = 1;  // the jail's init runs under the same uid
  spec.stdin_fd = f.v[kIn];
  spec.stdout_fd = f.v[kOutW];
  spec.stderr_fd = f.v[kErrW];
  spec.extra_fds = {f.v[kSrc]};
  auto h = start_jail(spec);
  if (!h) return sandbox_error(h.error(), isolation());
  f.close_at(kIn);
  f.close_at(kSrc);
  f.close_at(kOutW);
  f.close_at(kErrW);
  f.v[kStatus] = h->status_fd;

  Watched w = watch(f.v[kOutR], f.v[kErrR], f.v[kStatus], limits.wall_s, limits.output_bytes,
                    [&] { kill_jail(*h); });
  kill_jail(*h);  // whatever is left (nothing, with a PID namespace)
  int ws = 0;
  rusage ru{};
  while (wait4(h->init_pid, &ws, __WALL, &ru) < 0 && errno == EINTR) {
  }
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  Result r = classify(std::move(w), limits, cpu);
  r.isolation = h->isolation;
  return r;
}

}  // namespace rigor::sandbox::detail
