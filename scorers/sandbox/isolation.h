// What isolation a sandboxed run actually had. Recorded on every result so a
// report can say how model code was contained.
#pragma once

#include <stdexcept>
#include <string>

namespace rigor::sandbox {

struct Isolation {
  bool user_ns = false;     // own user namespace; the program runs as an unprivileged uid in it
  bool pid_ns = false;      // own PID namespace: killing its init kills every process in it
  bool net_ns = false;      // own network namespace: no interfaces but a down loopback
  bool mount_ns = false;    // own mount namespace: read-only system dirs, private /tmp, no /etc, /home, /proc
  bool ipc_ns = false;
  bool uts_ns = false;
  bool seccomp = false;     // seccomp filter loaded (with no_new_privs)
  bool rlimits = false;     // CPU, address space, file size, open files, processes, core 0
  bool cgroup = false;      // own cgroup: memory (with tmpfs) and processes limited for the program as a whole

  // "namespaces+seccomp+rlimits", "rlimits-only" or "none", with "+cgroup"
  // when the program had its own cgroup.
  std::string level() const;
  // Every flag, e.g. "user,pid,net,mount,ipc,uts,seccomp,rlimits,cgroup".
  std::string describe() const;
  bool full() const { return user_ns && pid_ns && net_ns && mount_ns && ipc_ns && uts_ns && seccomp && rlimits; }
};

// What this kernel lets this process do with `python`: runs a trivial program
// in a full jail, and falls back to rlimits only if that fails. Cached per
// interpreter path; `why` gets the failure that forced a fallback.
Isolation probe_isolation(const std::string& python, std::string* why = nullptr);

}  // namespace rigor::sandbox
