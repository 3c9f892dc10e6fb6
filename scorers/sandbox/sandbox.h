// The code sandbox: runs one untrusted program as one process tree, isolated
// by Linux namespaces, a seccomp filter and rlimits, and kills the whole tree
// when it exits or runs out of time. Pure library: no network of its own.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "scorers/sandbox/isolation.h"

namespace rigor::sandbox {

struct Limits {
  double wall_s = 10.0;                 // wall clock, enforced by the parent
  double cpu_s = 10.0;                  // RLIMIT_CPU (whole seconds, rounded up)
  size_t memory_bytes = 1ull << 30;     // RLIMIT_AS per process; the whole program's cgroup where there is one
  size_t output_bytes = 1u << 20;       // stdout cap; stderr is capped at the same size
  size_t file_bytes = 16u << 20;        // RLIMIT_FSIZE and the size of the private /tmp
  int max_processes = 32;               // RLIMIT_NPROC, counted inside the sandbox only
  int max_open_files = 64;              // RLIMIT_NOFILE
  int max_tmp_files = 1024;             // inodes of the private /tmp (files, directories, links)
};

// How the run ended, as the sandbox saw it (the scorer maps this to a verdict).
enum class Outcome {
  kExited,       // exited by itself; see exit_code
  kSignaled,     // killed by a signal it caused (SIGSEGV, SIGABRT, ...); see term_signal
  kTimeLimit,    // wall-clock or CPU limit reached; the tree was killed
  kMemoryLimit,  // allocation failed under the memory limit (MemoryError), or the program's cgroup ran out
  kOutputLimit,  // stdout or stderr exceeded the cap; the tree was killed
  kSandboxError, // the sandbox itself failed (see error); the program may not have run
};
const char* to_string(Outcome o);

struct Program {
  std::string source;                    // Python source, run as the main module
  std::string stdin_data;                // given on stdin (a file: reads past it see EOF)
  // The source is rigor's own runner code, never model output (model output
  // then travels in stdin_data). The fork server compiles such a source once
  // and forks every later run with the code object ready: compiling in each
  // forked child cost ~10 ms and ~300 copy-on-write faults a run. Untrusted
  // source is always compiled inside the program's own jail.
  bool trusted_runner = false;
};

struct Result {
  Outcome outcome = Outcome::kSandboxError;
  int exit_code = -1;       // when kExited
  int term_signal = 0;      // when kSignaled (or the signal that ended a limit run)
  std::string stdout_data;  // at most Limits::output_bytes
  std::string stderr_data;  // at most Limits::output_bytes
  double wall_s = 0;        // start to reaping, as measured by the parent
  Isolation isolation;      // what this run actually had
  size_t peak_memory_bytes = 0;  // the whole program's peak memory when isolation.cgroup and known, else 0
  std::string error;        // kSandboxError: what failed
};

// A judged run: the judge (trusted test code) and the candidate (model code)
// run at the same time, each in its own jail (its own session, PID, mount
// and IPC namespaces), connected only by a stream socket that each program
// finds open as fd 3. Neither can see, signal or read the other; the judge's
// own output is the only place a verdict can come from. Under the fork
// server a judge that is trusted runner code runs in the executor's judge
// host, one long-lived jailed interpreter, in fresh globals each time.
struct JudgedResult {
  Result judge;      // the trusted side, run to completion
  Result candidate;  // the candidate's jail, killed as soon as the judge has ended
};

// Runs programs. Implementations: the spawning executor (a fresh interpreter
// per program) and the fork server (a pre-started interpreter per executor
// that forks a fresh isolated child per program). An executor is used by one
// thread at a time; make one per worker.
class Executor {
 public:
  virtual ~Executor() = default;
  // Runs one program to completion. Never throws for anything the program
  // does; a failure of the machinery is Outcome::kSandboxError.
  virtual Result run(const Program& program, const Limits& limits) = 0;
  // Runs a judge and a candidate (see JudgedResult) under one wall-clock
  // limit; each gets `limits` for itself. Never throws for anything either
  // program does; a failure of the machinery is kSandboxError in either result.
  virtual JudgedResult run_judged(const Program& judge, const Program& candidate, const Limits& limits) = 0;
  // The isolation every run of this executor gets.
  virtual Isolation isolation() const = 0;
};

struct ExecutorOptions {
  std::string python = "/usr/bin/python3";  // Debian's interpreter, never one from PATH
  bool fork_server = true;                  // pre-started interpreter (fast) or one spawn per program
  // Run with rlimits only when the kernel allows no namespaces. Off by
  // default: then make_executor refuses, because model code must not run
  // unisolated unless the user says so.
  bool allow_unisolated = false;
};

// Makes an executor. Throws SandboxUnavailable when namespaces cannot be used
// and opts.allow_unisolated is false, or when the interpreter is missing.
std::unique_ptr<Executor> make_executor(const ExecutorOptions& opts);

class SandboxUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace rigor::sandbox
