// Sandboxed HumanEval programs per second against the naive baseline (a
// fresh, unisolated python3 per program), on the same programs in the same
// run. Run with --benchmark_filter to pick; items/s is programs/s.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "scorers/code/humaneval_scorer.h"
#include "scorers/sandbox/sandbox.h"

extern char** environ;

namespace rigor {
namespace {

const std::vector<std::string>& programs() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    std::ifstream in(std::string(RIGOR_SOURCE_DIR) + "/suites/data/humaneval/HumanEval.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      HumanEvalSpec s{j["prompt"], j["test"], j["entry_point"]};
      out.push_back(humaneval_program(s, j["canonical_solution"]));
    }
    return out;
  }();
  return all;
}

// The baseline: the same program files run by a fresh python3 each, no isolation.
const std::vector<std::string>& program_files() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> out;
    auto dir = std::filesystem::temp_directory_path() / "rigor_sandbox_bench";
    std::filesystem::create_directories(dir);
    for (size_t i = 0; i < programs().size(); ++i) {
      auto p = dir / ("he_" + std::to_string(i) + ".py");
      std::ofstream(p) << programs()[i];
      out.push_back(p.string());
    }
    return out;
  }();
  return files;
}

std::atomic<size_t> next_program{0};

void BM_NaiveSpawnNoIsolation(benchmark::State& state) {
  const auto& files = program_files();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int failed = 0;
  for (auto _ : state) {
    const std::string& f = files[next_program++ % files.size()];
    char* argv[] = {const_cast<char*>("python3"), const_cast<char*>(f.c_str()), nullptr};
    pid_t pid;
    if (posix_spawn(&pid, "/usr/bin/python3", &fa, nullptr, argv, environ) != 0) {
      state.SkipWithError("posix_spawn failed");
      break;
    }
    int st = 0;
    waitpid(pid, &st, 0);
    failed += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  posix_spawn_file_actions_destroy(&fa);
  state.counters["failed"] = failed;
  state.SetItemsProcessed(state.iterations());
}

void run_sandboxed(benchmark::State& state, bool fork_server) {
  sandbox::ExecutorOptions o;
  o.fork_server = fork_server;
  auto exec = sandbox::make_executor(o);
  sandbox::Limits limits = HumanEvalScorer::limits();
  const auto& progs = programs();
  int failed = 0;
  for (auto _ : state) {
    auto r = exec->run({progs[next_program++ % progs.size()], ""}, limits);
    failed += !(r.outcome == sandbox::Outcome::kExited && r.exit_code == 0);
  }
  state.counters["failed"] = failed;
  state.SetItemsProcessed(state.iterations());
}

void BM_SandboxForkServer(benchmark::State& state) { run_sandboxed(state, true); }
void BM_SandboxSpawnPerProgram(benchmark::State& state) { run_sandboxed(state, false); }

// One worker per core of the 2-core target; wall-clock rates.
BENCHMARK(BM_NaiveSpawnNoIsolation)->Threads(2)->UseRealTime()->MinTime(3);
BENCHMARK(BM_SandboxSpawnPerProgram)->Threads(2)->UseRealTime()->MinTime(3);
BENCHMARK(BM_SandboxForkServer)->Threads(2)->UseRealTime()->MinTime(3);

}  // namespace
}  // namespace rigor

BENCHMARK_MAIN();
