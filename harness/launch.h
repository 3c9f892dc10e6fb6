// Starts a local inference engine (vLLM, llama-server, SGLang, or rigor's own
// simulator) from a model's launch command, waits until its health URL
// answers, and stops it again.
//
// Lifetime: the engine runs in its own process group; the destructor sends
// SIGTERM to the whole group, then SIGKILL after a grace period, and reaps
// the child, so nothing it spawned is left behind. The child also gets
// PR_SET_PDEATHSIG(SIGTERM), so it dies if rigor itself is killed -9.
// Not thread-safe; one object per engine.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

namespace rigor {

struct LaunchSpec {
  std::vector<std::string> command;  // argv; "{port}" anywhere is replaced by `port`
  std::string health_url;            // polled with GET until it answers 2xx; "{port}" replaced too
  double startup_timeout_s = 600;    // from fork to the first healthy answer
  int port = 0;                      // value substituted for "{port}"; 0 = none given
  std::string log_path;              // the engine's stdout+stderr; "" = a temporary file
  // When set: the engine picks its own port (e.g. --port 0) and says which in
  // its log; this pattern's first group is the port. "{port}" in health_url is
  // then that port, and health is polled once the line is there. No race with
  // another process for a port chosen in advance.
  std::string port_from_log;
  double poll_interval_s = 0.1;      // between health checks
};

// The engine did not come up: it exited, or was not healthy in time. The
// message names the command and ends with the tail of the engine's log.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Replaces every "{port}" in text by the port number.
std::string substitute_port(const std::string& text, int port);

// A free TCP port on 127.0.0.1 (bound to 0, read back, released). Another
// process may still take it before the engine binds; callers accept that race.
int free_loopback_port();

class LaunchedEngine {
 public:
  // Forks the command and waits for health. Throws LaunchError (the process
  // group already killed and reaped) when the command cannot be run, exits,
  // or is not healthy within startup_timeout_s.
  explicit LaunchedEngine(LaunchSpec spec);
  ~LaunchedEngine();  // stop()
  LaunchedEngine(const LaunchedEngine&) = delete;
  LaunchedEngine& operator=(const LaunchedEngine&) = delete;

  // SIGTERM to the process group, SIGKILL after grace_s, reap. Idempotent.
  void stop(double grace_s = 10);

  pid_t pid() const { return pid_; }
  int port() const { return port_; }  // the port substituted or read from the log
  const std::string& log_path() const { return log_path_; }
  double startup_s() const { return startup_s_; }  // fork -> healthy

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
  bool temp_log_ = false;
  double startup_s_ = 0;
};

// The last max_bytes of a file ("" when unreadable).
std::string tail_of_file(const std::string& path, size_t max_bytes = 4000);

}  // namespace rigor
