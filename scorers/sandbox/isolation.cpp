#include "scorers/sandbox/isolation.h"

#include <vector>

#include <fmt/format.h>

namespace rigor::sandbox {

std::string Isolation::level() const {
  const char* group = cgroup ? "+cgroup" : "";
  if (user_ns && pid_ns && net_ns && mount_ns && seccomp && rlimits) {
    return fmt::format("namespaces+seccomp+rlimits{}", group);
  }
  if (rlimits) return fmt::format("rlimits-only{}", group);
  return "none";
}

std::string Isolation::describe() const {
  std::vector<const char*> parts;
  if (user_ns) parts.push_back("user");
  if (pid_ns) parts.push_back("pid");
  if (net_ns) parts.push_back("net");
  if (mount_ns) parts.push_back("mount");
  if (ipc_ns) parts.push_back("ipc");
  if (uts_ns) parts.push_back("uts");
  if (seccomp) parts.push_back("seccomp");
  if (rlimits) parts.push_back("rlimits");
  if (cgroup) parts.push_back("cgroup");
  if (parts.empty()) return "none";
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace rigor::sandbox
