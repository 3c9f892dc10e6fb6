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

#include "scorers/sandbox/jail.h"
#include "scorers/sandbox/monitor.h"
#include "scorers/sandbox/python_runner.h"

namespace rigor::sandbox::detail {
namespace {

// Processes of the server's own that share the programs' uid: the server,
// a C still exiting, the program's init D.
constexpr int kServerProcesses = 3;
constexpr double kSpawnReplyTimeoutS = 10.0;

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

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

class ForkServer : public Executor {
 public:
  ForkServer(std::string python, bool namespaces) : python_(std::move(python)), namespaces_(namespaces) {}
  ~ForkServer() override { stop(); }

  Isolation isolation() const override {
    Isolation iso;
    iso.user_ns = iso.pid_ns = iso.net_ns = iso.mount_ns = iso.ipc_ns = iso.uts_ns = namespaces_;
    iso.seccomp = iso.rlimits = true;
    return iso;
  }

  Result run(const Program& program, const Limits& limits) override {
    if (!namespaces_) return error("the fork server needs namespaces; use the spawning executor");
    std::string why;
    if (ctl_.get() < 0 && !start(why)) return error("cannot start the fork server: " + why);
    Result r = run_once(program, limits, why);
    if (r.outcome == Outcome::kSandboxError && server_lost_) {
      // A dead server is replaced once; a second failure is reported.
      stop();
      if (!start(why)) return error("cannot restart the fork server: " + why);
      r = run_once(program, limits, why);
    }
    return r;
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
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      why = fmt::format("socketpair: {}", strerror(errno));
      return false;
    }
    UniqueFd mine(sv[0]), theirs(sv[1]);
    const auto& bpf = seccomp_filter(FilterKind::kProgram);
    std::string bytes(reinterpret_cast<const char*>(bpf.data()), bpf.size() * sizeof(sock_filter));
    UniqueFd filter(data_fd(bytes, "rigor-bpf"));
    UniqueFd devnull(open("/dev/null", O_RDWR | O_CLOEXEC));
    if (filter.get() < 0 || devnull.get() < 0) {
      why = "memfd or /dev/null";
      return false;
    }
    JailSpec spec;
    spec.exe = python_;
    spec.argv = {"python3", "-I", "-c", fork_server_source()};
    spec.env = jail_environment();
    spec.namespaces = true;
    spec.keep_privileges = true;
    spec.die_with_thread = false;  // pooled: used by threads other than the one making it
    spec.filter = FilterKind::kForkServer;
    // The server's limits are ceilings; each program lowers them to its own.
    spec.limits.cpu_s = 1e7;
    spec.limits.memory_bytes = static_cast<size_t>(RLIM_INFINITY);
    spec.limits.file_bytes = size_t{1} << 40;
    spec.limits.max_open_files = 256;
    spec.limits.max_processes = 1 << 14;
    spec.stdin_fd = devnull.get();
    spec.stdout_fd = devnull.get();
    spec.stderr_fd = STDERR_FILENO;  // a crashing server's traceback is worth seeing
    spec.extra_fds = {theirs.get(), filter.get()};
    auto h = start_jail(spec);
    if (!h) {
      why = h.error();
      return false;
    }
    jail_ = *h;
    ctl_ = std::move(mine);
    server_lost_ = false;
    return true;
  }

  void stop() {
    ctl_.reset();  // the server exits on EOF
    if (jail_.init_pid > 0) {
      kill_jail(jail_);
      while (waitpid(jail_.init_pid, nullptr, __WALL) < 0 && errno == EINTR) {
      }
      close(jail_.status_fd);
      jail_ = JailHandle{};
    }
  }

  Result run_once(const Program& program, const Limits& limits, std::string& why) {
    UniqueFd src(data_fd(program.source, "rigor-source"));
    UniqueFd in(data_fd(program.stdin_data, "rigor-stdin"));
    int p[2];
    if (src.get() < 0 || in.get() < 0 || pipe2(p, O_CLOEXEC) != 0) return error("memfd or pipe failed");
    UniqueFd out_r(p[0]), out_w(p[1]);
    if (pipe2(p, O_CLOEXEC) != 0) return error("pipe failed");
    UniqueFd err_r(p[0]), err_w(p[1]);
    if (pipe2(p, O_CLOEXEC) != 0) return error("pipe failed");
    UniqueFd st_r(p[0]), st_w(p[1]);
    long cpu = static_cast<long>(std::ceil(std::max(limits.cpu_s, 0.001)));
    std::string msg = fmt::format("{} {} {} {} {} {}", cpu, limits.memory_bytes, limits.file_bytes,
                                  limits.max_processes + kServerProcesses, limits.max_open_files,
                                  limits.file_bytes);
    if (!send_with_fds(ctl_.get(), msg, {src.get(), in.get(), out_w.get(), err_w.get(), st_w.get()})) {
      server_lost_ = true;
      return error(fmt::format("fork server gone: {}", strerror(errno)));
    }
    src.reset();
    in.reset();
    out_w.reset();
    err_w.reset();
    st_w.reset();
    std::string reply;
    UniqueFd pidfd;
    if (!recv_with_fd(ctl_.get(), reply, pidfd, kSpawnReplyTimeoutS)) {
      server_lost_ = true;
      return error("fork server did not answer");
    }
    if (reply.empty() || reply[0] != 'P' || pidfd.get() < 0) {
      return error("fork server could not start the program: " + reply.substr(reply.empty() ? 0 : 1));
    }
    auto kill_tree = [&] { syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0); };
    Watched w = watch(out_r.get(), err_r.get(), st_r.get(), limits.wall_s, limits.output_bytes, kill_tree);
    kill_tree();  // the program's init; nothing in its namespace outlives it
    // The CPU time is not ours to read (the init is the server's grandchild);
    // a CPU overrun shows as SIGXCPU.
    Result r = classify(std::move(w), limits, -1);
    r.isolation = isolation();
    (void)why;
    return r;
  }

  std::string python_;
  bool namespaces_;
  UniqueFd ctl_;
  JailHandle jail_;
  bool server_lost_ = false;
};

}  // namespace

std::unique_ptr<Executor> make_fork_server(const std::string& python, bool namespaces) {
  return std::make_unique<ForkServer>(python, namespaces);
}

}  // namespace rigor::sandbox::detail
