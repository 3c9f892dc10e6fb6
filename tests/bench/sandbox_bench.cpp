// Sandboxed HumanEval tasks per second against the naive baseline (a fresh,
// unisolated python3 running prompt + solution + tests per task), on the same
// canonical solutions in the same run. The sandboxed figures are judged runs,
// as the scorer does them: the tests in a judge's jail, the solution in its
// own. Run with --benchmark_filter to pick; items/s is tasks/s.
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

#include "scorers/code/humaneval_judge.h"
#include "scorers/code/humaneval_scorer.h"
#include "scorers/sandbox/sandbox.h"
#include "tests/scorers/humaneval_tasks.h"

extern char** environ;

namespace rigor {
namespace {

const std::vector<HumanEvalTask>& tasks() {
  static const std::vector<HumanEvalTask> all = bundled_humaneval_tasks();
  return all;
}

// What the naive baseline runs: the whole task as one unisolated program.
const std::vector<std::string>& programs() {
  static const std::vector<std::string> all = [] {
    std::vector<std::string> out;
    for (const auto& t : tasks()) {
      out.push_back(humaneval_module(t.spec, t.canonical) + "\n\n" + t.spec.test + "\n\ncheck(" +
                    t.spec.entry_point + ")\n");
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
  const auto& all = tasks();
  int failed = 0;
  for (auto _ : state) {
    const HumanEvalTask& t = all[next_program++ % all.size()];
    auto r = exec->run_judged(humaneval_judge(t.gold), humaneval_candidate(t.spec, t.canonical), limits);
    failed += parse_judge_report(r.judge.stdout_data).verdict != "accepted";
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
