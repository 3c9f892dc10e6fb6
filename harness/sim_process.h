// Starts `rigor sim` as a child process on a free loopback port and stops it:
// a LaunchedEngine (harness/launch.h) whose port the simulator picks itself.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include <sys/types.h>

#include "harness/launch.h"

namespace rigor {

class SimProcess {
 public:
  // Launches `exe sim --host 127.0.0.1 --port 0 --profiles profiles`, reads
  // the port from its "listening on HOST:PORT" line and waits (up to
  // timeout_s in all) until its /health answers. The child dies with this
  // process even on kill -9 (PR_SET_PDEATHSIG). Throws std::runtime_error
  // with the child's output if it does not come up. `threads` > 1 passes
  // --threads; a `gpqa_csv` path passes --gpqa-csv (GPQA prompts answered);
  // `seed` is its --seed (mixed into every response).
  SimProcess(const std::string& exe, const std::string& profiles, double timeout_s = 15, int threads = 1,
             const std::string& gpqa_csv = "", uint64_t seed = 0);
  ~SimProcess();  // SIGTERM to its process group, SIGKILL after 2 s; always reaped
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  int port() const { return engine_->port(); }
  pid_t pid() const { return engine_->pid(); }
  std::string base_url() const;  // http://127.0.0.1:PORT/v1

 private:
  std::unique_ptr<LaunchedEngine> engine_;
};

// The path of the running executable (/proc/self/exe), or RIGOR_EXE if set.
std::string self_exe();

}  // namespace rigor
