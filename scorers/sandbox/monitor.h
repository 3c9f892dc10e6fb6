// Internal: the parent's side of a run. Collects a jailed program's output
// under a cap, enforces the wall-clock limit, and turns what happened into
// an Outcome.
#pragma once

#include <functional>
#include <string>

#include "scorers/sandbox/sandbox.h"

namespace rigor::sandbox::detail {

struct Watched {
  std::string out, err;     // at most the cap each
  std::string status;       // bytes of the jail's status channel
  bool over_cap = false;    // stdout or stderr exceeded the cap; kill() was called
  bool timed_out = false;   // the wall-clock limit passed; kill() was called
  double wall_s = 0;
};

// Reads until the status channel closes (the jail's init has exited) and the
// output pipes drain. Calls kill() once, on a timeout or when output
// exceeds the cap. Closes none of the fds.
Watched watch(int out_fd, int err_fd, int status_fd, double wall_s, size_t cap,
              const std::function<void()>& kill);

// The outcome of a watched run; cpu_s < 0 when unknown.
Result classify(Watched w, const Limits& limits, double cpu_s);

// A memfd holding `data`, positioned at 0; -1 on failure.
int data_fd(const std::string& data, const char* name);

}  // namespace rigor::sandbox::detail
