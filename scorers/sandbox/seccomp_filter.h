// Internal: the seccomp filters, compiled once with libseccomp into raw BPF so
// that a freshly forked child can install them without allocating (and so the
// fork server's Python children can install the very same bytes).
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

namespace rigor::sandbox::detail {

enum class FilterKind {
  kProgram,     // for model code: no sockets but AF_UNIX, no namespaces, mounts, ptrace, kernel admin
  kForkServer,  // for the pre-started interpreter: kProgram but may unshare and mount (to build per-program jails)
};

// The compiled filter; throws std::runtime_error if libseccomp fails (a broken install).
const std::vector<sock_filter>& seccomp_filter(FilterKind kind);

}  // namespace rigor::sandbox::detail
