#include "scorers/sandbox/spawn_executor.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "scorers/sandbox/cgroup.h"
#include "scorers/sandbox/jail.h"
#include "scorers/sandbox/monitor.h"
#include "scorers/sandbox/python_runner.h"
#include "scorers/sandbox/unique_fd.h"

namespace rigor::sandbox::detail {
namespace {

Result sandbox_error(std::string msg, const Isolation& iso) {
  Result r;
  r.outcome = Outcome::kSandboxError;
  r.error = std::move(msg);
  r.isolation = iso;
  return r;
}

// One started jail: the parent's ends of its pipes.
struct Started {
  JailHandle h;
  UniqueFd out_r, err_r, status;
  std::unique_ptr<ProgramCgroup> group;  // null without cgroups
};

tl::expected<Started, std::string> start(const std::string& python, bool namespaces, bool cgroups,
                                         const Program& program, const Limits& limits, int channel_fd) {
  UniqueFd in(data_fd(program.stdin_data, "rigor-stdin"));
  UniqueFd src(data_fd(program.source, "rigor-source"));
  if (in.get() < 0 || src.get() < 0) return tl::unexpected(std::string("memfd_create failed"));
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return tl::unexpected(std::string("pipe failed"));
  Started s;
  s.out_r.reset(p[0]);
  UniqueFd out_w(p[1]);
  if (pipe2(p, O_CLOEXEC) != 0) return tl::unexpected(std::string("pipe failed"));
  s.err_r.reset(p[0]);
  UniqueFd err_w(p[1]);

  JailSpec spec;
  spec.exe = python;
  spec.argv = {"python3", "-I", "-S", "-c", spawn_runner_source()};
  spec.env = jail_environment();
  spec.namespaces = namespaces;
  spec.limits = limits;
  spec.extra_nproc = 1;  // the jail's init runs under the same uid
  spec.stdin_fd = in.get();
  spec.stdout_fd = out_w.get();
  spec.stderr_fd = err_w.get();
  spec.extra_fds = {src.get()};
  if (channel_fd >= 0) spec.extra_fds.push_back(channel_fd);
  if (cgroups) {
    auto g = program_cgroup(limits);
    if (!g) return tl::unexpected("cgroup: " + g.error());
    s.group = std::move(*g);
    if (s.group) spec.cgroup_fds = s.group->join_fds();
  }
  auto h = start_jail(spec);
  if (!h) return tl::unexpected(h.error());
  s.h = *h;
  s.status.reset(h->status_fd);
  return s;
}

// Kills what is left of a watched jail, reaps its init and classifies the run.
Result finish(Started& s, Watched w, const Limits& limits) {
  kill_jail(s.h);  // whatever is left (nothing, with a PID namespace)
  int ws = 0;
  rusage ru{};
  while (wait4(s.h.init_pid, &ws, __WALL, &ru) < 0 && errno == EINTR) {
  }
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  bool group_oom = s.group && s.group->memory_limit_hit();
  Result r = classify(std::move(w), limits, cpu, group_oom);
  r.isolation = s.h.isolation;
  if (s.group) {
    r.isolation.cgroup = true;
    r.peak_memory_bytes = s.group->peak_bytes().value_or(0);
    s.group.reset();  // kills anything left in it and removes it
  }
  return r;
}

Streams streams_of(Started& s) {
  JailHandle h = s.h;
  return {s.out_r.get(), s.err_r.get(), s.status.get(), [h] { kill_jail(h); }};
}

}  // namespace

SpawnExecutor::SpawnExecutor(std::string python, bool namespaces)
    : python_(std::move(python)), namespaces_(namespaces), cgroups_(cgroup_support().kind != CgroupKind::kNone) {}

Isolation SpawnExecutor::isolation() const {
  Isolation iso;
  iso.user_ns = iso.pid_ns = iso.net_ns = iso.mount_ns = iso.ipc_ns = iso.uts_ns = namespaces_;
  iso.seccomp = iso.rlimits = true;
  iso.cgroup = cgroups_;
  return iso;
}

Result SpawnExecutor::run(const Program& program, const Limits& limits) {
  auto s = start(python_, namespaces_, cgroups_, program, limits, -1);
  if (!s) return sandbox_error(s.error(), isolation());
  auto w = watch({streams_of(*s)}, limits.wall_s, limits.output_bytes);
  return finish(*s, std::move(w[0]), limits);
}

JudgedResult SpawnExecutor::run_judged(const Program& judge, const Program& candidate, const Limits& limits) {
  JudgedResult out;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    out.judge = out.candidate = sandbox_error(fmt::format("socketpair: {}", strerror(errno)), isolation());
    return out;
  }
  UniqueFd judge_end(sv[0]), candidate_end(sv[1]);
  auto j = start(python_, namespaces_, cgroups_, judge, limits, judge_end.get());
  if (!j) {
    out.judge = out.candidate = sandbox_error(j.error(), isolation());
    return out;
  }
  auto c = start(python_, namespaces_, cgroups_, candidate, limits, candidate_end.get());
  judge_end.reset();
  candidate_end.reset();
  if (!c) {
    kill_jail(j->h);
    finish(*j, Watched{}, limits);
    out.judge = out.candidate = sandbox_error(c.error(), isolation());
    return out;
  }
  auto w = watch({streams_of(*j), streams_of(*c)}, limits.wall_s, limits.output_bytes);
  out.judge = finish(*j, std::move(w[0]), limits);
  out.candidate = finish(*c, std::move(w[1]), limits);
  return out;
}

}  // namespace rigor::sandbox::detail
