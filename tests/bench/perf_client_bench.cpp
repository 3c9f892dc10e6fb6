// Raw client capacity of rigor perf against the zero-delay simulator on
// loopback: completed streamed requests/s and streamed tokens/s, with the
// CPU time split between the client (this process) and the simulator (its
// own process). Beside it, in the same run and against the same simulator,
// a minimal Python asyncio client (tests/bench/aiohttp_client.py, Debian's
// python3-aiohttp) doing the same streaming requests. Target: rigor >= 10x
// its requests/s. Whichever side saturates a core first limits the rate;
// the CPU split shows which one it was.
//
//   build-*/tests/perf_client_bench --benchmark_counters_tabular=true --benchmark_repetitions=3
//
// Two stream lengths, because client capacity depends on it: "zero" (32
// tokens in 8 chunks: per-request costs dominate) and "zero_long" (512
// chunks, a reasoning-length stream: per-chunk costs dominate).
//
// Only ratios within one run mean anything: the development machine is a
// shared two-core VM whose speed drifts. Figures with their load are in the
// commit that last changed the client's per-request or per-chunk path.
// Both processes share the two cores: on 8-chunk streams the simulator's
// CPU per request is ~40% of the total.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "harness/engines/chat_body.h"
#include "perf/perf_client.h"
#include "harness/sim_process.h"
#include "tests/bench/bench_cpu.h"

namespace rigor {
namespace {

const std::string kProfiles = std::string(RIGOR_SOURCE_DIR) + "/configs/perf_sim_profiles.toml";

using bench::proc_cpu_s;
using bench::self_cpu_s;

SimProcess& sim() {
  static SimProcess* s = [] {
    raise_open_files_limit();
    return new SimProcess(RIGOR_BINARY, kProfiles);
  }();
  return *s;
}

// Profile 0: "zero", short streams (32 tokens in 8 chunks); 1: "zero_long",
// a reasoning-length stream (512 tokens, one per chunk).
const char* kModels[] = {"zero", "zero_long"};

std::string body(int profile) {
  CompletionRequest r;
  r.model = kModels[profile];
  r.messages = {{"user", "capacity probe lorem ipsum dolor sit amet"}};
  r.seed = 1;
  return chat_request_body(r, ProviderDialect::kOpenAI, true).dump();
}

void BM_RigorPerfClient(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const int requests = static_cast<int>(state.range(1));
  PerfClientOptions options;
  options.url = sim().base_url() + "/chat/completions";
  const std::vector<std::string> bodies = {body(static_cast<int>(state.range(2)))};
  PerfLoad load;
  load.concurrency = concurrency;
  load.requests = requests;
  int64_t done = 0, tokens = 0, errors = 0;
  double client_cpu = 0, sim_cpu = 0, wall = 0;
  for (auto _ : state) {
    const double c0 = self_cpu_s(), s0 = proc_cpu_s(sim().pid());
    const auto t0 = std::chrono::steady_clock::now();
    auto records = run_load(options, bodies, load);
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    client_cpu += self_cpu_s() - c0;
    sim_cpu += proc_cpu_s(sim().pid()) - s0;
    for (const auto& r : records) {
      if (!r.ok) {
        ++errors;
        continue;
      }
      ++done;
      tokens += r.completion.usage.completion_tokens;
    }
    benchmark::DoNotOptimize(records.data());
  }
  state.SetItemsProcessed(done);
  state.counters["req/s"] = static_cast<double>(done) / wall;
  state.counters["tok/s"] = static_cast<double>(tokens) / wall;
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["client_cpu_s"] = client_cpu;
  state.counters["sim_cpu_s"] = sim_cpu;
}

void BM_PythonAiohttpClient(benchmark::State& state) {
  const int concurrency = static_cast<int>(state.range(0));
  const int requests = static_cast<int>(state.range(1));
  const auto body_file = std::filesystem::temp_directory_path() / ("rigor_bench_body_" + std::to_string(getpid()));
  std::ofstream(body_file) << body(static_cast<int>(state.range(2)));
  const std::string cmd = "/usr/bin/python3 " + std::string(RIGOR_SOURCE_DIR) + "/tests/bench/aiohttp_client.py " +
                          sim().base_url() + "/chat/completions " + body_file.string() + " " +
                          std::to_string(concurrency) + " " + std::to_string(requests);
  int64_t done = 0, tokens = 0, errors = 0;
  double client_cpu = 0, sim_cpu = 0, wall = 0;
  for (auto _ : state) {
    const double s0 = proc_cpu_s(sim().pid());
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) {
      state.SkipWithError("cannot start python3");
      break;
    }
    std::string out;
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    if (pclose(p) != 0) {
      state.SkipWithError(("aiohttp client failed (is python3-aiohttp installed?): " + out).c_str());
      break;
    }
    sim_cpu += proc_cpu_s(sim().pid()) - s0;
    const auto j = nlohmann::json::parse(out);
    done += j["requests"].get<int64_t>();
    errors += j["errors"].get<int64_t>();
    tokens += j["completion_tokens"].get<int64_t>();
    wall += j["seconds"].get<double>();
    client_cpu += j["cpu_s"].get<double>();
    state.SetIterationTime(j["seconds"].get<double>());
  }
  std::filesystem::remove(body_file);
  state.SetItemsProcessed(done);
  if (wall > 0) {
    state.counters["req/s"] = static_cast<double>(done) / wall;
    state.counters["tok/s"] = static_cast<double>(tokens) / wall;
  }
  state.counters["errors"] = static_cast<double>(errors);
  state.counters["client_cpu_s"] = client_cpu;
  state.counters["sim_cpu_s"] = sim_cpu;
}

// {concurrency, requests per iteration, profile}
BENCHMARK(BM_RigorPerfClient)
    ->Args({16, 20000, 0})
    ->Args({64, 20000, 0})
    ->Args({256, 20000, 0})
    ->Args({64, 4000, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);  // fixed, so every repetition and filter measures the same work
BENCHMARK(BM_PythonAiohttpClient)
    ->Args({64, 2000, 0})
    ->Args({64, 400, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()
    ->Iterations(2);

}  // namespace
}  // namespace rigor

BENCHMARK_MAIN();
