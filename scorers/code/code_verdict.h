// Verdicts for code, and the shared machinery the code scorers run programs with.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scorers/sandbox/sandbox.h"

namespace rigor {

enum class CodeVerdict {
  kAccepted,      // every test passed
  kWrongAnswer,   // ran, but an output or assertion was wrong
  kTimeLimit,     // wall-clock or CPU limit
  kMemoryLimit,
  kOutputLimit,
  kRuntimeError,  // crashed or exited non-zero
  kCompileError,  // the code does not parse
  kSandboxError,  // the sandbox could not run it: never the program's fault, never a pass
  kNoCode,        // nothing to run was extracted
  kBadTests,      // the test specification (gold) is malformed or empty: an error, never a pass
};
const char* to_string(CodeVerdict v);

// The verdict of a run that should exit 0, before any output comparison:
// kAccepted means "exited 0".
CodeVerdict verdict_of_run(const sandbox::Result& r);

// A short description of how a run ended (exit code, signal, last stderr line).
std::string run_detail(const sandbox::Result& r);

// Executors shared by every code scorer in the process, created on demand,
// at most one per core: more callers than cores wait for a free executor
// (programs are CPU-bound; more would only slow each other). Thread-safe. Options come from the environment:
// RIGOR_SANDBOX_ALLOW_UNISOLATED=1 is the explicit consent to run with
// rlimits only where namespaces are unavailable; RIGOR_SANDBOX_SPAWN=1 turns
// the fork server off.
class ExecutorPool {
 public:
  explicit ExecutorPool(sandbox::ExecutorOptions opts, int max_executors = 0);  // 0: the core count
  // Runs on an idle executor (making one if none is idle). When no executor
  // can be made, a kSandboxError result says why.
  sandbox::Result run(const sandbox::Program& p, const sandbox::Limits& l);
  // The same for a judged run (see sandbox::Executor::run_judged).
  sandbox::JudgedResult run_judged(const sandbox::Program& judge, const sandbox::Program& candidate,
                                   const sandbox::Limits& l);

 private:
  // Calls use(executor) on an idle executor; false (and `why`) when none can be made.
  bool with_executor(const std::function<void(sandbox::Executor&)>& use, std::string& why);

  sandbox::ExecutorOptions opts_;
  int max_executors_;
  int made_ = 0;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<sandbox::Executor>> idle_;
  std::string unavailable_;  // set once making an executor failed
};

ExecutorPool& shared_executor_pool();

}  // namespace rigor
