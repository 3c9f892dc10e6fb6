// Starts `rigor sim` as a child process on a free loopback port and stops it.
#pragma once

#include <string>
#include <vector>
#include <sys/types.h>

namespace rigor {

class SimProcess {
 public:
  // Launches `exe sim --host 127.0.0.1 --port 0 --profiles profiles` and waits
  // (up to timeout_s) for its "listening on HOST:PORT" line. The child dies
  // with this process even on kill -9 (PR_SET_PDEATHSIG). Throws
  // std::runtime_error with the child's output if it does not come up.
  // `threads` > 1 passes --threads.
  SimProcess(const std::string& exe, const std::string& profiles, double timeout_s = 15, int threads = 1);
  ~SimProcess();  // SIGTERM, then SIGKILL after a grace period; always reaped
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// The path of the running executable (/proc/self/exe), or RIGOR_EXE if set.
std::string self_exe();

}  // namespace rigor
