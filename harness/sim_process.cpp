#include <algorithm>
#include "harness/sim_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

namespace rigor {

std::string self_exe() {
  if (const char* e = std::getenv("RIGOR_EXE"); e && *e) return e;
  return std::filesystem::read_symlink("/proc/self/exe").string();
}

SimProcess::SimProcess(const std::string& exe, const std::string& profiles, double timeout_s, int threads) {
  const std::string threads_arg = std::to_string(std::max(1, threads));
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed starting the simulator");
  pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error(fmt::format("fork failed starting the simulator: {}", std::strerror(errno)));
  if (pid_ == 0) {
    // Die with the parent, whatever kills it.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(out[1], STDOUT_FILENO);
    dup2(out[1], STDERR_FILENO);
    execl(exe.c_str(), exe.c_str(), "sim", "--host", "127.0.0.1", "--port", "0", "--profiles", profiles.c_str(),
          "--threads", threads_arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string got;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  static const std::regex kListening(R"(listening on [0-9.]+:([0-9]+))");
  std::smatch m;
  while (!std::regex_search(got, m, kListening)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    int rc = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count())) : 0;
    char buf[4096];
    ssize_t n = rc > 0 ? read(out[0], buf, sizeof buf) : 0;
    if (n <= 0) {
      close(out[0]);
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      throw std::runtime_error(fmt::format("the simulator ({} sim --profiles {}) did not start{}:\n{}", exe, profiles,
                                           rc == 0 ? " in time" : "", got));
    }
    got.append(buf, static_cast<size_t>(n));
  }
  port_ = std::stoi(m[1].str());
  // Keep draining the child's output so it never blocks on a full pipe.
  int fd = out[0];
  std::thread([fd] {
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
  }).detach();
}

SimProcess::~SimProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string SimProcess::base_url() const { return fmt::format("http://127.0.0.1:{}/v1", port_); }

}  // namespace rigor
