#include "scorers/code/code_verdict.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

namespace rigor {
namespace {

std::string last_line(const std::string& s) {
  size_t end = s.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return "";
  size_t start = s.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return s.substr(start, end + 1 - start);
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool env_on(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && std::string(v) == "1";
}

}  // namespace

const char* to_string(CodeVerdict v) {
  switch (v) {
    case CodeVerdict::kAccepted: return "accepted";
    case CodeVerdict::kWrongAnswer: return "wrong answer";
    case CodeVerdict::kTimeLimit: return "time limit";
    case CodeVerdict::kMemoryLimit: return "memory limit";
    case CodeVerdict::kOutputLimit: return "output limit";
    case CodeVerdict::kRuntimeError: return "runtime error";
    case CodeVerdict::kCompileError: return "compile error";
    case CodeVerdict::kSandboxError: return "sandbox error";
    case CodeVerdict::kNoCode: return "no code";
    case CodeVerdict::kBadTests: return "bad tests";
  }
  return "?";
}

CodeVerdict verdict_of_run(const sandbox::Result& r) {
  using sandbox::Outcome;
  switch (r.outcome) {
    case Outcome::kTimeLimit: return CodeVerdict::kTimeLimit;
    case Outcome::kMemoryLimit: return CodeVerdict::kMemoryLimit;
    case Outcome::kOutputLimit: return CodeVerdict::kOutputLimit;
    case Outcome::kSandboxError: return CodeVerdict::kSandboxError;
    case Outcome::kSignaled: return CodeVerdict::kRuntimeError;
    case Outcome::kExited: break;
  }
  if (r.exit_code == 0) return CodeVerdict::kAccepted;
  std::string last = last_line(r.stderr_data);
  if (starts_with(last, "SyntaxError") || starts_with(last, "IndentationError") || starts_with(last, "TabError")) {
    return CodeVerdict::kCompileError;
  }
  return CodeVerdict::kRuntimeError;
}

std::string run_detail(const sandbox::Result& r) {
  using sandbox::Outcome;
  switch (r.outcome) {
    case Outcome::kSandboxError: return r.error;
    case Outcome::kSignaled: return fmt::format("killed by signal {} ({})", r.term_signal, strsignal(r.term_signal));
    case Outcome::kTimeLimit: return fmt::format("killed after {:.2f} s", r.wall_s);
    case Outcome::kOutputLimit: return "output over the cap";
    default: break;
  }
  std::string last = last_line(r.stderr_data);
  if (last.size() > 200) last = last.substr(0, 197) + "...";
  if (last.empty()) return fmt::format("exit code {}", r.exit_code);
  return fmt::format("exit code {}: {}", r.exit_code, last);
}

ExecutorPool::ExecutorPool(sandbox::ExecutorOptions opts, int max_executors)
    : opts_(std::move(opts)),
      max_executors_(max_executors > 0 ? max_executors
                                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))) {}

bool ExecutorPool::with_executor(const std::function<void(sandbox::Executor&)>& use, std::string& why) {
  std::unique_ptr<sandbox::Executor> exec;
  {
    std::unique_lock<std::mutex> lock(mu_);
    freed_.wait(lock, [&] { return !unavailable_.empty() || !idle_.empty() || made_ < max_executors_; });
    if (!unavailable_.empty()) {
      why = unavailable_;
      return false;
    }
    if (!idle_.empty()) {
      exec = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++made_;  // reserved; made outside the lock (the first one probes the kernel)
    }
  }
  if (!exec) {
    try {
      exec = sandbox::make_executor(opts_);
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mu_);
      --made_;
      unavailable_ = e.what();
      why = unavailable_;
      freed_.notify_all();
      return false;
    }
  }
  use(*exec);
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(exec));
  }
  freed_.notify_one();
  return true;
}

sandbox::Result ExecutorPool::run(const sandbox::Program& p, const sandbox::Limits& l) {
  sandbox::Result r;
  std::string why;
  if (!with_executor([&](sandbox::Executor& e) { r = e.run(p, l); }, why)) r.error = why;
  return r;
}

sandbox::JudgedResult ExecutorPool::run_judged(const sandbox::Program& judge, const sandbox::Program& candidate,
                                               const sandbox::Limits& l) {
  sandbox::JudgedResult r;
  std::string why;
  if (!with_executor([&](sandbox::Executor& e) { r = e.run_judged(judge, candidate, l); }, why)) {
    r.judge.error = r.candidate.error = why;
  }
  return r;
}

ExecutorPool& shared_executor_pool() {
  static ExecutorPool pool([] {
    sandbox::ExecutorOptions o;
    o.allow_unisolated = env_on("RIGOR_SANDBOX_ALLOW_UNISOLATED");
    o.fork_server = !env_on("RIGOR_SANDBOX_SPAWN");
    return o;
  }());
  return pool;
}

}  // namespace rigor
