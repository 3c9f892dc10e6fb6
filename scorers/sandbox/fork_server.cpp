// The fork-server executor: one pre-started, jailed interpreter per executor
// forks a fresh, separately jailed child per program, so a program costs a
// fork instead of an interpreter start-up. The Python side and the protocol
// are described in fork_server_py.cpp.
#include "scorers/sandbox/fork_server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "scorers/sandbox/cgroup.h"
#include "scorers/sandbox/jail.h"
#include "scorers/sandbox/monitor.h"
#include "scorers/sandbox/python_runner.h"
#include "scorers/sandbox/unique_fd.h"

namespace rigor::sandbox::detail {
namespace {

// Processes outside the program that share its uid: the server's jail init,
// the server, its anchor (fork_server_py.cpp), the other side of a judged run
// whose judge is not runner code, and up to two programs of earlier runs
// whose namespaces are still being torn down.
constexpr int kServerProcesses = 6;
constexpr double kSpawnReplyTimeoutS = 10.0;
// Tasks a judge host serves before it is replaced, so that whatever the
// dataset's test code leaves in its interpreter cannot grow without bound.
constexpr int kJudgeHostTasks = 2000;

bool send_with_fds(int sock, const std::string& msg, const std::vector<int>& fds) {
  iovec iov{const_cast<char*>(msg.data()), msg.size()};
  std::vector<char> ctrl(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctrl.data();
  mh.msg_controllen = ctrl.size();
  cmsghdr* c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  ssize_t n;
  do {
    n = sendmsg(sock, &mh, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(msg.size());
}

// One message and at most one fd, waiting at most timeout_s.
bool recv_with_fd(int sock, std::string& msg, UniqueFd& fd, double timeout_s) {
  pollfd p{sock, POLLIN, 0};
  int r;
  do {
    r = poll(&p, 1, static_cast<int>(timeout_s * 1000));
  } while (r < 0 && errno == EINTR);
  if (r <= 0) return false;
  char buf[4096];
  iovec iov{buf, sizeof buf};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * 4)];
  msghdr mh{};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = ctrl;
  mh.msg_controllen = sizeof ctrl;
  ssize_t n;
  do {
    n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  msg.assign(buf, static_cast<size_t>(n));
  for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int f;
      memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
      if (i == 0 && fd.get() < 0) {
        fd.reset(f);
      } else {
        close(f);
      }
    }
  }
  return true;
}

// What the harness hands a program, in the order the fork server and the
// judge host take them (source, stdin, stdout, stderr, status), and the read
// ends of its pipes, which the harness keeps.
struct ProgramFds {
  UniqueFd src, in, out_w, err_w, st_w;
  UniqueFd out_r, err_r, st_r;
  std::vector<int> to_send() const { return {src.get(), in.get(), out_w.get(), err_w.get(), st_w.get()}; }
};

tl::expected<ProgramFds, std::string> program_fds(const Program& program) {
  ProgramFds f;
  f.src.reset(data_fd(program.source, "rigor-source"));
  f.in.reset(data_fd(program.stdin_data, "rigor-stdin"));
  if (f.src.get() < 0 || f.in.get() < 0) return tl::unexpected(std::string("memfd failed"));
  for (auto [r, w] : {std::pair{&f.out_r, &f.out_w}, {&f.err_r, &f.err_w}, {&f.st_r, &f.st_w}}) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return tl::unexpected(fmt::format("pipe: {}", strerror(errno)));
    r->reset(p[0]);
    w->reset(p[1]);
  }
  return f;
}

// A long-lived jailed interpreter that takes its work over a control socket
// (its fd 3, SOCK_SEQPACKET) and exits when that socket closes: the fork
// server and the judge host.
struct Resident {
  UniqueFd ctl;
  JailHandle jail;
};

struct ResidentSpec {
  const char* source;  // Python, run with -I -S
  FilterKind filter;
  bool keep_privileges;
  Limits limits;
  std::vector<int> more_fds;  // become fd 4, 5, ...
};

tl::expected<Resident, std::string> start_resident(const std::string& python, const ResidentSpec& r) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return tl::unexpected(fmt::format("socketpair: {}", strerror(errno)));
  }
  UniqueFd mine(sv[0]), theirs(sv[1]);
  UniqueFd devnull(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (devnull.get() < 0) return tl::unexpected(std::string("/dev/null"));
  JailSpec spec;
  spec.exe = python;
  spec.argv = {"python3", "-I", "-S", "-c", r.source};
  spec.env = jail_environment();
  spec.namespaces = true;
  spec.keep_privileges = r.keep_privileges;
  spec.die_with_thread = false;  // pooled: used by threads other than the one making it
  spec.filter = r.filter;
  spec.limits = r.limits;
  spec.stdin_fd = devnull.get();
  spec.stdout_fd = devnull.get();
  spec.stderr_fd = STDERR_FILENO;  // a crashing interpreter's traceback is worth seeing
  spec.extra_fds = {theirs.get()};
  spec.extra_fds.insert(spec.extra_fds.end(), r.more_fds.begin(), r.more_fds.end());
  auto h = start_jail(spec);
  if (!h) return tl::unexpected(h.error());
  return Resident{std::move(mine), *h};
}

void stop_resident(Resident& r) {
  r.ctl.reset();  // it exits on EOF
  if (r.jail.init_pid > 0) {
    kill_jail(r.jail);
    while (waitpid(r.jail.init_pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
    close(r.jail.status_fd);
  }
  r.jail = JailHandle{};
}

class ForkServer : public Executor {
 public:
  ForkServer(std::string python, bool namespaces)
      : python_(std::move(python)), namespaces_(namespaces), cgroups_(cgroup_support().kind != CgroupKind::kNone) {}
  ~ForkServer() override { stop(); }

  Isolation isolation() const override {
    Isolation iso;
    iso.user_ns = iso.pid_ns = iso.net_ns = iso.mount_ns = iso.ipc_ns = iso.uts_ns = namespaces_;
    iso.seccomp = iso.rlimits = true;
    iso.cgroup = cgroups_;
    return iso;
  }

  Result run(const Program& program, const Limits& limits) override {
    auto s = spawn_retrying({{&program, &limits}});
    if (!s) return error(s.error());
    auto w = watch({streams_of((*s)[0])}, limits.wall_s, limits.output_bytes);
    return finish((*s)[0], std::move(w[0]), limits);
  }

  JudgedResult run_judged(const Program& judge, const Program& candidate, const Limits& limits) override {
    JudgedResult out;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      out.judge = out.candidate = error(fmt::format("socketpair: {}", strerror(errno)));
      return out;
    }
    UniqueFd judge_end(sv[0]), candidate_end(sv[1]);
    if (judge.trusted_runner) return run_hosted(judge, candidate, limits, std::move(judge_end), std::move(candidate_end));
    auto s = spawn_retrying({{&judge, &limits, judge_end.get()}, {&candidate, &limits, candidate_end.get()}});
    judge_end.reset();
    candidate_end.reset();
    if (!s) {
      out.judge = out.candidate = error(s.error());
      return out;
    }
    auto w = watch({streams_of((*s)[0]), streams_of((*s)[1])}, limits.wall_s, limits.output_bytes);
    out.judge = finish((*s)[0], std::move(w[0]), limits);
    out.candidate = finish((*s)[1], std::move(w[1]), limits);
    return out;
  }

 private:
  Result error(std::string msg) const {
    Result r;
    r.outcome = Outcome::kSandboxError;
    r.error = std::move(msg);
    r.isolation = isolation();
    return r;
  }

  bool start(std::string& why) {
    const auto& bpf = seccomp_filter(FilterKind::kProgram);
    std::string bytes(reinterpret_cast<const char*>(bpf.data()), bpf.size() * sizeof(sock_filter));
    UniqueFd filter(data_fd(bytes, "rigor-bpf"));
    if (filter.get() < 0) {
      why = "memfd";
      return false;
    }
    ResidentSpec r{fork_server_source(), FilterKind::kForkServer, true, {}, {filter.get()}};
    // The server's limits are ceilings; each program lowers them to its own.
    r.limits.cpu_s = 1e7;
    r.limits.memory_bytes = static_cast<size_t>(RLIM_INFINITY);
    r.limits.file_bytes = size_t{1} << 40;
    r.limits.max_open_files = 256;
    r.limits.max_processes = 1 << 14;
    auto h = start_resident(python_, r);
    if (!h) {
      why = h.error();
      return false;
    }
    server_ = std::move(*h);
    server_lost_ = false;
    return true;
  }

  void stop() {
    stop_judge_host();
    stop_resident(server_);
  }

  // A judged run whose judge is rigor's own runner code: the judge runs in
  // the judge host (one long-lived jailed interpreter per executor, see
  // judge_host_py.cpp), the candidate is forked by the server as usual. The
  // host never forks: a forked judge cost as much CPU as the candidate.
  JudgedResult run_hosted(const Program& judge, const Program& candidate, const Limits& limits, UniqueFd judge_end,
                          UniqueFd candidate_end) {
    JudgedResult out;
    auto s = spawn_retrying({{&candidate, &limits, candidate_end.get()}});
    candidate_end.reset();
    if (!s) {
      out.judge = out.candidate = error(s.error());
      return out;
    }
    Spawned& cand = (*s)[0];
    HostedTask task;
    std::string why;
    if (!send_to_judge_host(judge, limits, judge_end.get(), task, why)) {
      cand.kill();
      out.judge = out.candidate = error("judge host: " + why);
      return out;
    }
    judge_end.reset();
    const Isolation judge_isolation = judge_host_.resident.jail.isolation;  // the host may be stopped while watched
    Streams judge_streams{task.out_r.get(), task.err_r.get(), task.st_r.get(), [this] { stop_judge_host(); }};
    auto w = watch({judge_streams, streams_of(cand)}, limits.wall_s, limits.output_bytes);
    // A host that was killed, went over the output cap or ended without a
    // status is gone or unusable; the next run starts another. A task that
    // ended with a failure status retired the host (it exits after reporting).
    JailStatus st = parse_status(w[0].status);
    bool host_ok = !w[0].timed_out && !w[0].over_cap && st.have_status && st.wait_status == 0;
    out.judge = classify(std::move(w[0]), limits, -1);
    out.judge.isolation = judge_isolation;
    if (!host_ok) stop_judge_host();
    out.candidate = finish(cand, std::move(w[1]), limits);
    return out;
  }

  // The harness's ends of one hosted task's pipes.
  struct HostedTask {
    UniqueFd out_r, err_r, st_r;
  };

  // Sends a task to the judge host, starting it (or a new one, once, if it
  // has gone) as needed.
  bool send_to_judge_host(const Program& judge, const Limits& limits, int channel, HostedTask& task, std::string& why) {
    auto f = program_fds(judge);
    if (!f) {
      why = f.error();
      return false;
    }
    task = {std::move(f->out_r), std::move(f->err_r), std::move(f->st_r)};
    std::vector<int> fds = f->to_send();
    fds.push_back(channel);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (judge_host_.resident.ctl.get() >= 0 &&
          (judge_host_.memory_bytes != limits.memory_bytes || judge_host_.tasks >= kJudgeHostTasks)) {
        stop_judge_host();
      }
      if (judge_host_.resident.ctl.get() < 0 && !start_judge_host(limits, why)) return false;
      if (send_with_fds(judge_host_.resident.ctl.get(), "J", fds)) {
        ++judge_host_.tasks;
        return true;
      }
      why = fmt::format("gone ({})", strerror(errno));
      stop_judge_host();
    }
    return false;
  }

  bool start_judge_host(const Limits& limits, std::string& why) {
    ResidentSpec r{judge_host_source(), FilterKind::kProgram, false, limits, {}};
    // The program's memory limit holds for the host as a whole. CPU time is
    // counted over the host's life, so only the wall clock bounds a task.
    r.limits.cpu_s = 1e7;
    r.limits.max_processes = 4;
    r.limits.max_open_files = std::max(limits.max_open_files, 64);
    auto h = start_resident(python_, r);
    if (!h) {
      why = h.error();
      return false;
    }
    judge_host_.resident = std::move(*h);
    judge_host_.memory_bytes = limits.memory_bytes;
    judge_host_.tasks = 0;
    return true;
  }

  void stop_judge_host() { stop_resident(judge_host_.resident); }

  // What to start: a program, its limits and, for one side of a judged run, its channel.
  struct Request {
    const Program* program;
    const Limits* limits;
    int channel_fd = -1;
  };
  // A program started by the server: the pidfd of its jail's init and the
  // parent's ends of its pipes.
  struct Spawned {
    UniqueFd pidfd, out_r, err_r, st_r;
    std::unique_ptr<ProgramCgroup> group;  // null without cgroups
    void kill() const {
      if (pidfd.get() >= 0) syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    }
  };

  // Starts programs (all or none), replacing a dead server once; a second
  // failure is reported.
  tl::expected<std::vector<Spawned>, std::string> spawn_retrying(const std::vector<Request>& requests) {
    if (!namespaces_) return tl::unexpected(std::string("the fork server needs namespaces; use the spawning executor"));
    std::string why;
    if (server_.ctl.get() < 0 && !start(why)) return tl::unexpected("cannot start the fork server: " + why);
    auto s = spawn(requests);
    if (!s && server_lost_) {
      stop();
      if (!start(why)) return tl::unexpected("cannot restart the fork server: " + why);
      s = spawn(requests);
    }
    return s;
  }

  // Sends every request before reading any answer: the server starts the
  // programs side by side.
  tl::expected<std::vector<Spawned>, std::string> spawn(const std::vector<Request>& requests) {
    std::vector<Spawned> out(requests.size());
    for (size_t i = 0; i < requests.size(); ++i) {
      const Request& q = requests[i];
      auto f = program_fds(*q.program);
      if (!f) return tl::unexpected(f.error());
      Spawned& s = out[i];
      s.out_r = std::move(f->out_r);
      s.err_r = std::move(f->err_r);
      s.st_r = std::move(f->st_r);
      const Limits& limits = *q.limits;
      long cpu = static_cast<long>(std::ceil(std::max(limits.cpu_s, 0.001)));
      std::vector<int> fds = f->to_send();
      if (q.channel_fd >= 0) fds.push_back(q.channel_fd);
      if (cgroups_) {
        // The program's whole tree is counted in its own group: it joins it
        // before anything else, through fds opened here.
        auto g = program_cgroup(limits);
        if (!g) return tl::unexpected("cgroup: " + g.error());
        s.group = std::move(*g);
        if (s.group) {
          for (int fd : s.group->join_fds()) fds.push_back(fd);
        }
      }
      const size_t group_fds = fds.size() - 5 - (q.channel_fd >= 0 ? 1 : 0);
      std::string msg = fmt::format("{} {} {} {} {} {} {} {} {} {} {}", cpu, limits.memory_bytes, limits.file_bytes,
                                    limits.max_processes + kServerProcesses, limits.max_open_files,
                                    limits.file_bytes, i, limits.max_tmp_files, q.program->trusted_runner ? 1 : 0,
                                    q.channel_fd >= 0 ? 1 : 0, group_fds);
      if (!send_with_fds(server_.ctl.get(), msg, fds)) {
        server_lost_ = true;
        return tl::unexpected(fmt::format("fork server gone: {}", strerror(errno)));
      }
    }
    std::string failed;
    for (size_t got = 0; got < requests.size(); ++got) {
      std::string reply;
      UniqueFd pidfd;
      if (!recv_with_fd(server_.ctl.get(), reply, pidfd, kSpawnReplyTimeoutS)) {
        server_lost_ = true;
        return tl::unexpected(std::string("fork server did not answer"));
      }
      size_t tag = reply.size() > 1 ? std::strtoul(reply.c_str() + 1, nullptr, 10) : requests.size();
      if (reply[0] == 'P' && pidfd.get() >= 0 && tag < requests.size()) {
        out[tag].pidfd = std::move(pidfd);
      } else {
        size_t space = reply.find(' ');
        failed = "fork server could not start the program: " + (space == std::string::npos ? reply : reply.substr(space + 1));
      }
    }
    if (!failed.empty()) {
      for (const auto& s : out)
        if (s.pidfd.get() >= 0) s.kill();
      return tl::unexpected(failed);
    }
    return out;
  }

  static Streams streams_of(const Spawned& s) {
    int pidfd = s.pidfd.get();
    return {s.out_r.get(), s.err_r.get(), s.st_r.get(),
            [pidfd] { syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0); }};
  }

  Result finish(Spawned& s, Watched w, const Limits& limits) const {
    s.kill();  // the program's init; nothing in its namespace outlives it
    // The CPU time is not ours to read (the program is the server's child);
    // a CPU overrun shows as SIGXCPU.
    const bool group_oom = s.group && s.group->memory_limit_hit();
    Result r = classify(std::move(w), limits, -1, group_oom);
    r.isolation = isolation();
    r.isolation.cgroup = s.group != nullptr;
    if (s.group) {
      r.peak_memory_bytes = s.group->peak_bytes().value_or(0);
      s.group.reset();  // kills anything left in it and removes it
    }
    return r;
  }

  struct JudgeHost {
    Resident resident;
    size_t memory_bytes = 0;  // the limit it was started with
    int tasks = 0;            // sent to it so far
  };

  std::string python_;
  bool namespaces_;
  bool cgroups_;
  Resident server_;
  bool server_lost_ = false;
  JudgeHost judge_host_;
};

}  // namespace

std::unique_ptr<Executor> make_fork_server(const std::string& python, bool namespaces) {
  return std::make_unique<ForkServer>(python, namespaces);
}

}  // namespace rigor::sandbox::detail
