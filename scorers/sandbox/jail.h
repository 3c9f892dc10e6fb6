// Internal: starts one jailed process tree. The tree's first process ("init")
// is PID 1 of a fresh PID namespace (when namespaces are available), builds
// the filesystem view, forks the program and reports the program's wait
// status; when init exits, the kernel kills everything left in the namespace.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "scorers/sandbox/isolation.h"
#include "scorers/sandbox/sandbox.h"
#include "scorers/sandbox/seccomp_filter.h"

namespace rigor::sandbox::detail {

struct JailSpec {
  std::string exe;                       // absolute path, exec'd inside the jail
  std::vector<std::string> argv;         // argv[0] included
  std::vector<std::string> env;          // the whole environment ("K=V")
  bool namespaces = true;                // false: rlimits and a process group only
  bool keep_privileges = false;          // fork server: stays root of its user namespace
  FilterKind filter = FilterKind::kProgram;
  // Kill the tree when the thread that started it exits (the kernel's
  // parent-death signal follows the thread). Right for a run that the
  // starting thread waits on; the fork server, which outlives the thread that
  // made it, instead exits when its control socket closes.
  bool die_with_thread = true;
  Limits limits;                         // rlimits and the /tmp size
  int extra_nproc = 0;                   // added to RLIMIT_NPROC (the fork server's own processes)
  int stdin_fd = -1;                     // become 0, 1, 2 in the program
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::vector<int> extra_fds;            // become 3, 4, ... in the program
  // cgroup.procs fds (ProgramCgroup::join_fds) the init writes "0" to first
  // thing after clone, so the whole tree is in the program's groups; failing
  // to join is a setup failure on the status channel.
  std::vector<int> cgroup_fds;
};

struct JailHandle {
  pid_t init_pid = -1;   // kill it to kill the whole tree
  int status_fd = -1;    // read end of the status channel (see read_status); owned by the caller
  Isolation isolation;   // what this jail has
};

// Starts the jail. The caller closes its copies of the spec's fds.
tl::expected<JailHandle, std::string> start_jail(const JailSpec& spec);

// Kills the whole tree of a jail started by start_jail.
void kill_jail(const JailHandle& h);

// The status channel carries 'S' + the program's int wait status, or 'E' +
// text when setting up the jail failed. Parses what was read.
struct JailStatus {
  bool have_status = false;
  int wait_status = 0;
  std::string error;  // setup failure, if any
};
JailStatus parse_status(const std::string& bytes);

}  // namespace rigor::sandbox::detail
