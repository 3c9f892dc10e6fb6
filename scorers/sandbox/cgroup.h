// Internal: one control group per program, so that memory (process memory,
// tmpfs pages, page cache) and processes are limited for the program as a
// whole rather than per process. Uses cgroup v2 when a cgroup2 mount offers
// the memory and pids controllers to us, else v1's memory and pids
// hierarchies, else nothing (the rlimits then are the only limits).
//
// Every group lives under a parent "rigor-<pid>" created inside this
// process's own group (so that delegated subtrees work), and is removed when
// the program is over; the parent is removed when the process exits.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "scorers/sandbox/sandbox.h"
#include "scorers/sandbox/unique_fd.h"

namespace rigor::sandbox::detail {

enum class CgroupKind { kNone, kV1, kV2 };

struct CgroupSupport {
  CgroupKind kind = CgroupKind::kNone;
  std::string why;  // kNone: one line on what was missing
};

// What this host lets this process use. The probe of the file system runs
// once per process (thread-safe); RIGOR_SANDBOX_CGROUPS=0 in the environment,
// read on every call, forces kNone.
CgroupSupport cgroup_support();

// pids.max is Limits::max_processes plus this: the jail's init (PID 1 of its
// namespace) and, for the fork server, the per-program process that forks it.
// Threads count as processes there, as they do for RLIMIT_NPROC.
constexpr int kCgroupPidsSlack = 2;

// One program's group (one directory per hierarchy: v1 has two). Not
// copyable; the destructor kills whatever is left in it and removes it.
class ProgramCgroup {
 public:
  // Makes a fresh group with the limits set. Fails (with the reason) only
  // when cgroup_support() is usable but this creation failed.
  static tl::expected<std::unique_ptr<ProgramCgroup>, std::string> create(const Limits& limits);
  ~ProgramCgroup();
  ProgramCgroup(const ProgramCgroup&) = delete;
  ProgramCgroup& operator=(const ProgramCgroup&) = delete;

  // Open (O_WRONLY | O_CLOEXEC) on each hierarchy's cgroup.procs. A process
  // joins by writing "0" to every one (join_cgroups). The fds carry root's
  // permission to move a process, so they can be passed to a jailed process
  // (over a unix socket, or across clone) that could not open them itself.
  std::vector<int> join_fds() const;

  // The OOM killer ran in the group (v1 memory.oom_control oom_kill, or
  // memory.failcnt where that line is missing; v2 memory.events oom_kill/max).
  bool memory_limit_hit() const;
  // A fork or clone failed at pids.max.
  bool pids_limit_hit() const;
  // Highest memory use of the group, when the kernel records it.
  std::optional<size_t> peak_bytes() const;
  // SIGKILLs every process still in the group (v2 cgroup.kill).
  void kill_all() const;
  // The group's directories (for tests and diagnostics).
  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  ProgramCgroup() = default;
  CgroupKind kind_ = CgroupKind::kNone;
  std::vector<std::string> dirs_;
  std::string memory_dir_, pids_dir_;  // which of dirs_ holds each controller
  std::vector<UniqueFd> procs_;
};

// For an executor: the group a program of these limits should run in, or
// nullptr when cgroup_support() is kNone. An error means cgroups are usable
// but this group could not be made: a failure of the sandbox, not the program.
tl::expected<std::unique_ptr<ProgramCgroup>, std::string> program_cgroup(const Limits& limits);

// Moves the calling process into the groups: writes "0" to each fd.
// Async-signal-safe (only write(2)); returns 0, or the errno of the failure.
int join_cgroups(const int* fds, size_t n);

// Directories of this process's parent groups ("rigor-<pid>"), empty if none
// was made. For tests that check nothing is left behind.
std::vector<std::string> cgroup_parent_dirs();

}  // namespace rigor::sandbox::detail
