// Internal: the parent's side of a run. Collects jailed programs' output
// under a cap, enforces the wall-clock limit, and turns what happened into
// an Outcome.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "scorers/sandbox/sandbox.h"

namespace rigor::sandbox::detail {

// The parent's ends of one jail's pipes, and how to kill that jail.
struct Streams {
  int out_fd = -1;
  int err_fd = -1;
  int status_fd = -1;          // the jail's status channel; closes when its init exits
  std::function<void()> kill;  // kills the jail's whole tree
};

struct Watched {
  std::string out, err;     // at most the cap each
  std::string status;       // bytes of the jail's status channel
  bool over_cap = false;    // stdout or stderr exceeded the cap; kill() was called
  bool timed_out = false;   // the wall-clock limit passed; kill() was called
  bool stopped = false;     // killed because the primary jail had ended
  double wall_s = 0;
};

// Watches several jails under one wall-clock limit until each status
// channel closes and its pipes drain. A jail whose output exceeds the cap is
// killed; at the deadline all are. When the first jail (the primary) has
// ended, the others are killed: its result is what the caller waits for.
// Closes none of the fds.
std::vector<Watched> watch(const std::vector<Streams>& jails, double wall_s, size_t cap);

// The outcome of a watched run; cpu_s < 0 when unknown. group_oom: the
// program's cgroup killed a process for memory, so a run that then ended by
// a signal, with a failure status, or with its init gone is kMemoryLimit.
Result classify(Watched w, const Limits& limits, double cpu_s, bool group_oom = false);

// A memfd holding `data`, positioned at 0; -1 on failure.
int data_fd(const std::string& data, const char* name);

}  // namespace rigor::sandbox::detail
