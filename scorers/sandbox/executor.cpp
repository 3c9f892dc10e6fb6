// make_executor and the probe that decides which isolation is possible.
#include <unistd.h>

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "scorers/sandbox/sandbox.h"
#include "scorers/sandbox/spawn_executor.h"
#include "scorers/sandbox/fork_server.h"

namespace rigor::sandbox {

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::kExited: return "exited";
    case Outcome::kSignaled: return "signaled";
    case Outcome::kTimeLimit: return "time limit";
    case Outcome::kMemoryLimit: return "memory limit";
    case Outcome::kOutputLimit: return "output limit";
    case Outcome::kSandboxError: return "sandbox error";
  }
  return "?";
}

Isolation probe_isolation(const std::string& python, std::string* why) {
  static std::mutex mu;
  static std::map<std::string, std::pair<Isolation, std::string>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(python);
  if (it == cache.end()) {
    Limits limits;
    limits.wall_s = 20;
    Program probe{"print('ok')", ""};
    Result r = detail::SpawnExecutor(python, true).run(probe, limits);
    std::string reason;
    Isolation iso;
    if (r.outcome == Outcome::kExited && r.exit_code == 0 && r.stdout_data == "ok\n") {
      iso = r.isolation;
    } else {
      reason = r.outcome == Outcome::kSandboxError
                   ? r.error
                   : fmt::format("probe program ended with {} (exit {}): {}", to_string(r.outcome),
                                 r.exit_code, r.stderr_data.substr(0, 300));
      iso.seccomp = iso.rlimits = true;
    }
    it = cache.emplace(python, std::make_pair(iso, reason)).first;
  }
  if (why != nullptr) *why = it->second.second;
  return it->second.first;
}

std::unique_ptr<Executor> make_executor(const ExecutorOptions& opts) {
  if (access(opts.python.c_str(), X_OK) != 0) {
    throw SandboxUnavailable(fmt::format(
        "the Python interpreter {} is missing or not executable (install the Debian package python3)",
        opts.python));
  }
  std::string why;
  Isolation iso = probe_isolation(opts.python, &why);
  bool namespaces = iso.user_ns;
  if (!namespaces && !opts.allow_unisolated) {
    throw SandboxUnavailable(fmt::format(
        "refusing to run model code: this kernel does not let rigor create the namespaces the "
        "sandbox needs ({}); only rlimits would apply. Enable unprivileged user namespaces "
        "(sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0) or pass the "
        "explicit flag to run with rlimits only",
        why));
  }
  if (opts.fork_server) return detail::make_fork_server(opts.python, namespaces);
  return std::make_unique<detail::SpawnExecutor>(opts.python, namespaces);
}

}  // namespace rigor::sandbox
