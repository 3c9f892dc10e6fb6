// End-to-end run against the simulator with zero delay: samples/s and
// streamed tokens/s through the whole pipeline (engine, scorer, SQLite store),
// with the CPU time split between the client (this process) and the
// simulator (its own process), to show which side limits the run.
//
// Measured 2026-11-25, session 4 (MATH-500 x 16 = 8000 samples, medians of
// 3, three runs in one sitting; --benchmark_repetitions=3), 64 streams:
//   4 tokens a chunk (the demo's "full" profile, ~122 chunks a sample):
//     18.4k-18.9k samples/s, 9.0-9.3M tok/s
//     engine thread (HTTP + SSE decode) 0.195-0.205 s, simulator 0.34-0.35 s
//     sink thread (score + SQLite, group commit) 0.073-0.075 s
//     whole client 0.29-0.30 s: 0.83-0.85x the simulator; busiest client
//     thread 0.57x (at the start of the day 0.93-0.99x and ~0.67x)
//   1 token a chunk (as vLLM streams, ~490 chunks a sample):
//     13.2k-13.8k samples/s, 6.5-6.8M tok/s
//     engine 0.35-0.37 s, simulator 0.47-0.51 s, whole client 0.45-0.47 s:
//     0.92-0.95x the simulator; busiest client thread 0.73-0.74x (at the
//     start of the day 1.1-1.2x and ~0.9x). The client's per-chunk work is
//     ~26 ns of framing and decoding plus the kernel's copy; per request
//     what is left is mostly libcurl's own (~8 us: URL and header
//     formatting, connection lookup, header parsing), loopback TCP, and
//     SQLite's commits and checkpoints on the sink thread.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <atomic>
#include <chrono>
#include <thread>

#include <benchmark/benchmark.h>

#include "harness/config.h"
#include "harness/runner.h"
#include "store/store.h"
#include "tests/bench/bench_cpu.h"

namespace rigor {
namespace {

using bench::self_cpu_s;

// On-CPU seconds of every thread of this process by thread name, from
// /proc/self/task/*/schedstat (nanoseconds, unlike stat's 10 ms ticks).
// Each tid's largest reading is kept, so a thread that ended between two
// samples keeps what it had used until the last one.
struct ThreadCpu {
  std::map<std::string, std::string> name_of;  // tid -> comm
  std::map<std::string, double> cpu_of;        // tid -> seconds
  void sample() {
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
      const std::string tid = e.path().filename();
      std::ifstream comm(e.path() / "comm"), sched(e.path() / "schedstat");
      std::string name;
      double ns = 0;
      if (!std::getline(comm, name) || !(sched >> ns)) continue;
      name_of[tid] = name;
      cpu_of[tid] = std::max(cpu_of[tid], ns / 1e9);
    }
  }
  double of(const std::string& name) const {
    double total = 0;
    for (const auto& [tid, cpu] : cpu_of) total += name_of.at(tid) == name ? cpu : 0;
    return total;
  }
};

// A child of this process (the simulator rigor started), or 0.
pid_t find_child() {
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stoi(name));
    const auto f = bench::proc_stat_fields(pid);
    if (f.size() > 1 && std::stoi(f[1]) == getpid()) return pid;  // field 4: the parent
  }
  return 0;
}

// On-CPU seconds of every thread of a process, in nanoseconds' precision
// (its stat file counts 10 ms ticks).
double schedstat_cpu_s(pid_t pid) {
  double total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream sched(e.path() / "schedstat");
    double ns = 0;
    if (sched >> ns) total += ns / 1e9;
  }
  return total;
}

double this_thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void BM_EndToEndRunZeroDelay(benchmark::State& state) {
  auto dir = std::filesystem::temp_directory_path() / ("rigor_e2e_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ifstream src(std::string(RIGOR_SOURCE_DIR) + "/configs/sim_profiles.toml");
  std::stringstream profiles;
  // Arg 1: tokens per chunk. 4 is the "full" profile's (the demo's); 1 is
  // how vLLM and llama-server stream, a chunk per decoding step.
  profiles << src.rdbuf() << "\n[profiles.instant]\nbase = \"full\"\ntime_scale = 0\ntokens_per_chunk = "
           << state.range(1) << "\n";
  std::ofstream(dir / "profiles.toml") << profiles.str();
  const int concurrency = static_cast<int>(state.range(0));
  std::string cfg_text = "[run]\nseed = 1\nn = 16\nsuites = [\"math500\"]\n\n[[models]]\nname = \"m\"\nengine = \"sim\"\n"
                         "model_id = \"instant\"\nsim_profiles = \"profiles.toml\"\nconcurrency = " +
                         std::to_string(concurrency) + "\n";
  Config cfg = parse_config(cfg_text, (dir / "bench.toml").string());
  setenv("RIGOR_EXE", RIGOR_BINARY, 1);

  int64_t samples = 0, tokens = 0;
  double client_cpu = 0, sim_cpu = 0, wall = 0, engine_cpu = 0, sink_cpu = 0;
  int iter = 0;
  for (auto _ : state) {
    std::string db = (dir / ("run" + std::to_string(iter++) + ".db")).string();
    Store store(db);
    RunOptions opts;
    opts.progress = false;
    double cpu0 = self_cpu_s();
    auto t0 = std::chrono::steady_clock::now();
    // The simulator is a child of this process: sample its CPU just before
    // the run ends, from the progress of the run itself.
    std::atomic<double> sim_seen{0};
    std::atomic<bool> done{false};
    ThreadCpu threads;
    double watcher_cpu = 0;  // the bench's own sampling, not the client's work
    std::thread watcher([&] {
      pid_t sim = 0;
      while (!done) {
        if (sim == 0) sim = find_child();
        if (sim != 0) sim_seen = std::max(sim_seen.load(), schedstat_cpu_s(sim));
        threads.sample();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      watcher_cpu = this_thread_cpu_s();
    });
    auto out = execute_run(cfg, opts, store, nullptr);
    done = true;
    watcher.join();
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    client_cpu += self_cpu_s() - cpu0 - watcher_cpu;
    sim_cpu += sim_seen;
    engine_cpu += threads.of("rigor-engine");
    sink_cpu += threads.of("rigor-sink");
    samples += out.finished;
    for (const auto& s : store.samples(out.run_id)) tokens += std::max<int64_t>(s.completion_tokens, 0);
  }
  state.SetItemsProcessed(samples);
  state.counters["samples_per_s"] = static_cast<double>(samples) / wall;
  state.counters["tokens_per_s"] = static_cast<double>(tokens) / wall;
  state.counters["client_cpu_s"] = client_cpu / iter;
  state.counters["sim_cpu_s"] = sim_cpu / iter;
  // The client's two pipeline stages: HTTP transfers and stream decoding
  // (the engine thread), scoring and SQLite (the sink thread). The rest of
  // client_cpu_s is planning and the main thread; this bench's own
  // sampling thread is not counted.
  state.counters["engine_cpu_s"] = engine_cpu / iter;
  state.counters["sink_cpu_s"] = sink_cpu / iter;
  state.counters["wall_s"] = wall / iter;
  // Which side limits the run. The simulator serves on one thread, and the
  // client is a pipeline of two threads, so with a core for each the
  // slowest stage sets the pace: busiest client thread over the simulator.
  // On two cores the three share, and the whole client's CPU counts too.
  state.counters["client_over_sim"] = client_cpu / sim_cpu;
  state.counters["stage_over_sim"] = std::max(engine_cpu, sink_cpu) / sim_cpu;
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_EndToEndRunZeroDelay)
    ->Args({16, 4})
    ->Args({64, 4})
    ->Args({64, 1})
    ->Iterations(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace rigor

BENCHMARK_MAIN();
